int splitsoc_alloc_placeholder(void);
