import Foundation

/// Runs blocking work on a thread of its own; `join()` waits for its result.
/// librdkafka, hiredis and libpq calls stay off any shared pool.
final class ThreadRunner<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    init(name: String, _ body: @escaping @Sendable () throws -> T) {
        let thread = Thread { [self] in
            Thread.current.name = name
            result = Result { try body() }
            done.signal()
        }
        thread.start()
    }

    func join() throws -> T {
        done.wait()
        return try result!.get()
    }
}
