#include "CJemalloc.h"

#include <stddef.h>

#if defined(__linux__)
#include <jemalloc/jemalloc.h>

// One arena: the worker thread allocates almost everything and librdkafka's threads
// free some of it; more arenas only held more free memory. Freed pages go back to
// the kernel after 1 s unused rather than 10 s; shorter, memory a batch freed was
// returned and faulted in again by the next ones. The measurements behind both are
// in BENCHMARKS.md ("Settings and the measurements behind them").
#define RECEIPTD_MALLOC_CONF "narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0"

// jemalloc reads this symbol once, at its first allocation.
const char *malloc_conf = RECEIPTD_MALLOC_CONF;

const char *receiptd_jemalloc_version(void) {
    const char *version = NULL;
    size_t length = sizeof(version);
    if (mallctl("version", &version, &length, NULL, 0) != 0) return NULL;
    return version;
}

const char *receiptd_jemalloc_defaults(void) { return RECEIPTD_MALLOC_CONF; }
#else
const char *receiptd_jemalloc_version(void) { return NULL; }
const char *receiptd_jemalloc_defaults(void) { return ""; }
#endif
