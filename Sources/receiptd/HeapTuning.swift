#if canImport(Glibc)
import CMalloc
import Glibc
#endif

/// glibc's malloc settings for the worker's allocation pattern: every batch
/// allocates and frees several megabytes. With the defaults glibc hands the freed
/// top of the heap back to the kernel after each batch and faults it in again, page
/// by page, on the next: a profile showed 10% of the worker's CPU zeroing fresh
/// pages. Keeping up to 64 MB of free heap (growing it 16 MB at a time) removed
/// that. Blocks up to 1 MB come from the heap too (setting the trim threshold
/// freezes glibc's adaptive mmap threshold at 128 KB); larger ones keep their own
/// mapping, since holding them in the heap raised peak RSS by 10–20 MB in
/// receiptd-bench.
enum HeapTuning {
    static func apply() {
        #if canImport(Glibc)
        // An operator's glibc malloc settings win.
        guard getenv("GLIBC_TUNABLES") == nil, getenv("MALLOC_TRIM_THRESHOLD_") == nil,
              getenv("MALLOC_TOP_PAD_") == nil, getenv("MALLOC_MMAP_THRESHOLD_") == nil
        else { return }
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
        _ = mallopt(M_TOP_PAD, 16 << 20)
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 20)
        #endif
    }
}
