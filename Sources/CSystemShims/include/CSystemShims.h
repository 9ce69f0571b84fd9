int splitsoc_shims_placeholder(void);
