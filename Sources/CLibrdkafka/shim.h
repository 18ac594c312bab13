#ifndef STREAMPROC_CLIBRDKAFKA_SHIM_H
#define STREAMPROC_CLIBRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
