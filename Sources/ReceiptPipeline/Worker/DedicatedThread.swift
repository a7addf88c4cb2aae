import Foundation

/// Runs blocking work on a thread of its own and awaits its result, so librdkafka,
/// hiredis and libpq calls never block Swift's cooperative thread pool (on a 2-core
/// machine one blocked pool thread halves the service).
enum DedicatedThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                nameCurrentThread(name)
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }
}

/// Names the calling thread for top, perf and /proc; Linux keeps 15 bytes and
/// refuses longer names. Set from inside the thread: a `Thread.name` set before
/// `start()` never reached the kernel, and the thread showed as the pool thread
/// that spawned it.
func nameCurrentThread(_ name: String) {
    Thread.current.name = String(name.utf8.prefix(15))
}

/// A value confined to one thread, handed across an API that demands `Sendable`.
///
/// The one escape hatch of this module: librdkafka runs rebalance callbacks inside
/// `poll()`, on the worker thread that called it, so the worker reached through
/// this box is only ever touched on its own thread.
final class ThreadConfined<Value>: @unchecked Sendable {
    var value: Value

    init(_ value: Value) {
        self.value = value
    }
}
