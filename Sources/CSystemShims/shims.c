#include "CSystemShims.h"
int splitsoc_shims_placeholder(void) { return 0; }
