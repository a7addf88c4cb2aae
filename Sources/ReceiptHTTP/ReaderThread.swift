import Foundation
import ReceiptThreads
import Synchronization

/// One OS thread that owns a `StateConnections` and runs jobs on it, one at a time,
/// in submission order. Async callers hop on with a continuation, so hiredis and
/// libpq calls block this thread, never Swift's cooperative pool.
///
/// Invariant: the connections are created, used and freed on this thread only.
final class ReaderThread: Sendable {
    private let jobs: JobQueue

    /// Starts the thread; `makeConnections` runs on it, once. `name` is for debuggers
    /// and `top -H` (at most 15 bytes).
    /// At most `maxQueued` jobs wait (the one running aside): beyond that `run`
    /// throws `ReaderBusy` at once, so a burst of requests against a slow store
    /// costs bounded memory and gets a 503, not an ever longer wait.
    init(name: String, maxQueued: Int = 256, makeConnections: @escaping @Sendable () -> StateConnections) {
        jobs = JobQueue(maxQueued: maxQueued)
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
            let queued = jobs.put(.run { connections in continuation.resume(with: Result { try body(connections) }) })
            if !queued { continuation.resume(throwing: ReaderBusy()) }
        }
    }

    /// Jobs waiting, the one running aside.
    var queuedJobs: Int { jobs.count }

    /// Lets the thread finish the jobs already queued, then end and free its connections.
    func stop() { jobs.put(.stop, always: true) }
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
    private let maxQueued: Int

    init(maxQueued: Int) { self.maxQueued = max(1, maxQueued) }

    var count: Int { queue.withLock { $0.count } }

    /// Queues `job` unless `maxQueued` jobs wait already (`always`: regardless).
    @discardableResult
    func put(_ job: Job, always: Bool = false) -> Bool {
        let queued = queue.withLock { jobs in
            guard always || jobs.count < maxQueued else { return false }
            jobs.append(job)
            return true
        }
        if queued { available.signal() }
        return queued
    }

    func take() -> Job {
        available.wait()
        return queue.withLock { $0.removeFirst() }
    }
}

/// Every reader thread's queue is full: the request is answered 503 at once.
struct ReaderBusy: Error {}
