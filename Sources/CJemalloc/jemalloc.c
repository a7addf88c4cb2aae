#include "CJemalloc.h"

#include <stddef.h>

#if defined(__linux__)
#include <jemalloc/jemalloc.h>

// One arena: the worker thread allocates almost everything and librdkafka's threads
// free some of it; more arenas only held more free memory (172-184 MiB peak RSS in
// receiptd-bench with jemalloc's defaults, 124-134 MiB with this). Freed pages go
// back to the kernel after 1 s unused rather than 10 s. At 250 ms, memory a batch
// freed was often returned and then faulted in again by the next ones: the worker
// took 62k page faults per 5 s at max rate, 26k at 1 s, for 1-2 MiB more peak RSS.
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
