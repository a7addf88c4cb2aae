import Foundation

/// Blocking work on threads of receiptd's own, so librdkafka, hiredis and libpq calls
/// never block Swift's cooperative thread pool (on a 2-core machine one blocked pool
/// thread halves the service). The one way receiptd starts a thread: the worker
/// loop, the flusher and the HTTP readers all start theirs here.
public enum DedicatedThread {
    /// Starts `body` on a new OS thread called `name`. The name is set from inside:
    /// a `Thread.name` set before `start()` never reaches the kernel on Linux (the
    /// thread showed in top and perf as the pool thread that spawned it), and Linux
    /// keeps at most 15 bytes of it.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            Thread.current.name = name
            body()
        }
        thread.start()
    }

    /// Runs blocking `body` on a thread of its own and awaits its result.
    public static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            start(name: name) { continuation.resume(with: Result { try body() }) }
        }
    }
}
