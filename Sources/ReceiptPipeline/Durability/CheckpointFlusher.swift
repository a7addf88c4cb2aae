import Foundation
import Logging
import ReceiptPostgres
import ReceiptThreads
import Synchronization

/// Writes flush jobs to PostgreSQL on a thread of its own, one at a time, each in
/// one transaction with its checkpoints. A failed job is retried with backoff until
/// it succeeds or the flusher stops: a job is never skipped, so checkpoints only
/// move forward over state that is stored.
///
/// The worker thread hands jobs in with `submit` and collects reports with
/// `takeReports`; neither blocks on PostgreSQL. The flusher owns its
/// `PostgresConnection`; no other thread touches it.
final class CheckpointFlusher: Sendable {
    struct Configuration: Sendable {
        var postgresURL: String
        var group: String
        /// Default: 100 ms, doubling up to `maxRetryBackoffMs`.
        var retryBackoffMs: Int = 100
        /// Default: 5,000 ms.
        var maxRetryBackoffMs: Int = 5_000
        /// Stored client messages older than this are deleted. Default: 86,400 s.
        var clientMessageTTLSeconds: Int = 86_400
        /// How long, at most, deleting old client messages may take after each
        /// flush, in chunks of `ClientMessagePruning.chunkSize` rows: the next job
        /// waits no longer than that, and a backlog is worked off over several
        /// flushes. One chunk per flush already deletes faster than a flush a second
        /// inserts at the default mix. Default: 100 ms.
        var pruneBudgetMs: Int = 100
    }

    private struct Mailbox {
        var job: FlushJob?
        var reports: [FlushReport] = []
        var stopping = false
    }

    private let configuration: Configuration
    private let logger: Logger
    private let mailbox = Mutex(Mailbox())
    private let wakeup = NSCondition()

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts the flusher thread.
    func start() {
        DedicatedThread.start(name: "receiptd-flush") { [self] in loop() }
    }

    /// Hands a job over. Returns false, taking nothing, while a job is in progress.
    func submit(_ job: FlushJob) -> Bool {
        let accepted = mailbox.withLock { box -> Bool in
            guard box.job == nil else { return false }
            box.job = job
            return true
        }
        if accepted { signal() }
        return accepted
    }

    /// Whether a job is in progress (handed over and not yet flushed).
    var isBusy: Bool { mailbox.withLock { $0.job != nil } }

    /// Reports since the last call, oldest first.
    func takeReports() -> [FlushReport] {
        mailbox.withLock { box in
            defer { box.reports.removeAll() }
            return box.reports
        }
    }

    /// Asks the thread to end once the job in hand is flushed or given up.
    func stop() {
        mailbox.withLock { $0.stopping = true }
        signal()
    }

    private func signal() {
        wakeup.lock()
        wakeup.broadcast()
        wakeup.unlock()
    }

    private func loop() {
        let url = configuration.postgresURL
        var connection = Reconnecting(
            connect: { () throws(PostgresError) in try PostgresConnection.connect(url: url) }, isBroken: \.isBroken)
        while let job = nextJob() {
            var backoff = Backoff(initialMs: configuration.retryBackoffMs, maxMs: configuration.maxRetryBackoffMs)
            while true {
                let started = ContinuousClock.now
                do {
                    let live = try connection.live()
                    let rows = try write(job, on: live)
                    finish(.flushed(job, rows: rows, duration: ContinuousClock.now - started))
                    pruneClientMessages(on: live)
                    break
                } catch {
                    connection.dropIfBroken()
                    let waitMs = backoff.next()
                    logger.warning("flush to PostgreSQL failed; retrying", metadata: [
                        "error": "\(error)", "retryInMs": "\(waitMs)"])
                    let permanent = (error as? PostgresError)?.isPermanent ?? false
                    report(.failed(jobID: job.id, error: "\(error)", permanent: permanent))
                    if mailbox.withLock({ $0.stopping }) { return abandon(job) }
                    Thread.sleep(forTimeInterval: Double(waitMs) / 1_000)
                }
            }
        }
    }

    /// Deletes client messages past their TTL, chunk by chunk within
    /// `pruneBudgetMs`. Runs after a flush was reported (its checkpoints are
    /// already durable); a failure is only logged, and the next flush tries again.
    private func pruneClientMessages(on connection: PostgresConnection) {
        do {
            let deleted = try ClientMessagePruning.prune(
                olderThanSeconds: configuration.clientMessageTTLSeconds, limit: .max,
                until: .now + .milliseconds(configuration.pruneBudgetMs), on: connection)
            if deleted > 0 { logger.debug("pruned old client messages", metadata: ["rows": "\(deleted)"]) }
        } catch {
            logger.warning("pruning old client messages failed", metadata: ["error": "\(error)"])
        }
    }

    private func write(_ job: FlushJob, on connection: PostgresConnection) throws -> Int {
        let checkpoints = job.checkpoints.map { partition, offset in
            Checkpoint(group: configuration.group, topic: partition.topic, partition: partition.partition,
                       nextOffset: offset, mark: job.mark)
        }
        let horizons = job.replayHorizons.map { partition, offset in
            Checkpoint(group: configuration.group, topic: partition.topic, partition: partition.partition,
                       nextOffset: offset, mark: nil)
        }
        let stats = try StateFlush.write(job.changes, checkpoints: checkpoints, slotPositions: job.slotPositions,
                                         replayHorizons: horizons, on: connection)
        return stats.total
    }

    /// Waits for the next job; nil once stopping with nothing left to do.
    private func nextJob() -> FlushJob? {
        wakeup.lock()
        defer { wakeup.unlock() }
        while true {
            let (job, stopping) = mailbox.withLock { ($0.job, $0.stopping) }
            if let job { return job }
            if stopping { return nil }
            wakeup.wait(until: Date().addingTimeInterval(1))
        }
    }

    private func finish(_ report: FlushReport) {
        mailbox.withLock { box in
            box.job = nil
            box.reports.append(report)
        }
        signal()
    }

    private func report(_ report: FlushReport) {
        mailbox.withLock { $0.reports.append(report) }
    }

    private func abandon(_ job: FlushJob) {
        logger.error("flusher stopped with a job unflushed; its records will be replayed", metadata: [
            "job": "\(job.id)"])
        mailbox.withLock { $0.job = nil }
        signal()
    }

    /// Waits until the job in progress is flushed (or the flusher gave up), or until
    /// the deadline. Returns whether nothing is in progress any more.
    func waitUntilIdle(deadline: ContinuousClock.Instant) -> Bool {
        wakeup.lock()
        defer { wakeup.unlock() }
        while isBusy {
            if ContinuousClock.now >= deadline { return false }
            wakeup.wait(until: Date().addingTimeInterval(0.05))
        }
        return true
    }
}
