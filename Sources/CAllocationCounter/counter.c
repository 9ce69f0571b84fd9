#include "CAllocationCounter.h"
int splitsoc_alloc_placeholder(void) { return 0; }
