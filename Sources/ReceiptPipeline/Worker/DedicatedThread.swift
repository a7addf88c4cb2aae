import Foundation

/// Runs blocking work on a thread of its own and awaits its result, so librdkafka,
/// hiredis and libpq calls never block Swift's cooperative thread pool (on a 2-core
/// machine one blocked pool thread halves the service).
enum DedicatedThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            // Named from inside: a `Thread.name` set before `start()` never reaches the
            // kernel on Linux, and the thread showed in top and perf as the pool thread
            // that spawned it. Linux keeps at most 15 bytes of a name.
            let thread = Thread {
                Thread.current.name = name
                continuation.resume(with: Result { try body() })
            }
            thread.start()
        }
    }
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
