import CJemalloc
import Logging

/// The process's heap allocator. receiptd links jemalloc (see `CJemalloc`): every
/// batch allocates and frees several megabytes across threads, and jemalloc holds
/// less memory for it than glibc's malloc at the same speed (BENCHMARKS.md).
enum HeapAllocator {
    /// Logs which allocator serves the heap, and with what settings; an operator's
    /// `MALLOC_CONF` is applied on top of receiptd's.
    static func logInUse(_ logger: Logger, settings: Settings) {
        guard let version = receiptd_jemalloc_version() else {
            logger.warning("heap: jemalloc is not the allocator; memory use will be higher than documented")
            return
        }
        var metadata: Logger.Metadata = [
            "version": "\(String(cString: version))",
            "settings": "\(String(cString: receiptd_jemalloc_defaults()))",
        ]
        if let chosen = settings.string(nil, "MALLOC_CONF") { metadata["MALLOC_CONF"] = "\(chosen)" }
        logger.info("heap: jemalloc", metadata: metadata)
    }
}
