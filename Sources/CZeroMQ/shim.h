#ifndef SPLITSOC_CZEROMQ_SHIM_H
#define SPLITSOC_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
