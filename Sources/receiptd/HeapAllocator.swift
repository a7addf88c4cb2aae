import CJemalloc
import Logging

/// The process's heap allocator. receiptd links jemalloc (see `CJemalloc`): against
/// glibc's malloc it held 10% less memory at the same speed in receiptd-bench, where
/// every batch allocates and frees several megabytes across threads.
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
