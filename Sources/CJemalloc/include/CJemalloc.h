#ifndef RECEIPTD_CJEMALLOC_H
#define RECEIPTD_CJEMALLOC_H

/// receiptd's heap is jemalloc (linked, not preloaded), configured by `malloc_conf`
/// in jemalloc.c; an operator's `MALLOC_CONF` is applied on top of it.

/// jemalloc's version, or NULL when jemalloc is not the process's allocator.
const char *receiptd_jemalloc_version(void);

/// The settings receiptd gives jemalloc, as `malloc_conf` spells them.
const char *receiptd_jemalloc_defaults(void);

#endif
