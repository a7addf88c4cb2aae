import Foundation
import ReceiptThreads
import Synchronization

/// One OS thread that owns a `StateConnections` and runs jobs on it, one at a time,
/// in submission order. Async callers hop on with a continuation, so hiredis and
/// libpq calls block this thread, never Swift's cooperative pool.
///
/// Invariant: the connections are created, used and freed on this thread only.
final class ReaderThread: Sendable {
    private let jobs = JobQueue()

    /// Starts the thread; `makeConnections` runs on it, once. `name` is for debuggers
    /// and `top -H` (at most 15 bytes).
    init(name: String, makeConnections: @escaping @Sendable () -> StateConnections) {
        DedicatedThread.start(name: name) { [jobs] in
            let connections = makeConnections()
            while case .run(let body) = jobs.take() {
                body(connections)
            }
        }
    }

    /// Runs `body` on the thread and returns its result. Not cancellable: a job once
    /// queued runs to completion (each call is bounded by the connection timeouts).
    func run<T: Sendable>(_ body: @escaping @Sendable (StateConnections) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            jobs.put(.run { connections in continuation.resume(with: Result { try body(connections) }) })
        }
    }

    /// Lets the thread finish the jobs already queued, then end and free its connections.
    func stop() { jobs.put(.stop) }
}

/// A FIFO of jobs; `take` blocks the calling thread until one is there.
private final class JobQueue: Sendable {
    enum Job {
        case run(@Sendable (StateConnections) -> Void)
        case stop
    }

    private let queue = Mutex<[Job]>([])
    /// Counts queued jobs.
    private let available = DispatchSemaphore(value: 0)

    func put(_ job: Job) {
        queue.withLock { $0.append(job) }
        available.signal()
    }

    func take() -> Job {
        available.wait()
        return queue.withLock { $0.removeFirst() }
    }
}
