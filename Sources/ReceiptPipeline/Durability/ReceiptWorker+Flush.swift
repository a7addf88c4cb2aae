import Logging
import ReceiptCore
import ReceiptKafka

extension ReceiptWorker {
    /// One pass of the flush cycle, on every loop: collect the flusher's reports,
    /// hand over the next job when one is due, and pause consumption while the
    /// unflushed backlog is at its bound.
    func serviceFlusher() {
        collectFlushReports()
        let now = ContinuousClock.now
        let due = now - lastHandOff >= .milliseconds(configuration.flushIntervalMs)
            || pending.changes.rowCount >= configuration.flushRowThreshold
        if due, !flusher.isBusy { handOff() }
        updateBackpressure()
    }

    /// Reads what the flusher finished: a durable job's checkpoints are committed to
    /// Kafka as well, so consumer lag stays visible to ordinary Kafka tooling.
    func collectFlushReports() {
        for report in flusher.takeReports() {
            switch report {
            case .flushed(let job, let rows, let duration):
                if pending.flushing?.id == job.id { pending.flushing = nil }
                metrics.flushRows.record(rows)
                metrics.flushSeconds.recordNanoseconds(duration.nanoseconds)
                status.update {
                    $0.postgresReady = true
                    if !job.checkpoints.isEmpty { $0.lastCheckpoint = .now }
                }
                for (partition, offset) in job.checkpoints where durableOffsets[partition] != nil || positions[partition] != nil {
                    durableOffsets[partition] = max(durableOffsets[partition] ?? 0, offset)
                }
                commitToKafka(job.checkpoints)
            case .failed:
                metrics.postgresErrors.increment()
                status.update { $0.postgresReady = false }
            }
        }
    }

    /// Hands the unflushed changes and the finished offsets to the flusher.
    func handOff() {
        finishedOffsets.merge(ledger.takeFinishedOffsets()) { max($0, $1) }
        lastHandOff = .now
        guard !pending.changes.isEmpty || !finishedOffsets.isEmpty else { return }
        let job = FlushJob(id: pending.nextJobID, changes: pending.changes, checkpoints: finishedOffsets)
        guard flusher.submit(job) else { return }
        pending.nextJobID += 1
        pending.flushing = job
        // The next interval's changes are about as many: room for them now, so no map
        // grows (and rehashes every entry) while they come in. At most the early-flush
        // threshold's worth, so a hand-off after PostgreSQL was away (up to
        // `maxUnflushedRows`) does not reserve that much again.
        let threshold = configuration.flushRowThreshold
        let room = { (rows: Int) in min(rows, threshold) }
        pending.changes = StateChanges()
        pending.changes.reserveCapacity(
            maxSeqs: room(job.changes.maxSeqs.count), reads: room(job.changes.reads.count),
            deliveries: room(job.changes.deliveries.count), clientMessages: room(job.changes.clientMessages.count))
        finishedOffsets.removeAll(keepingCapacity: true)
    }

    /// Makes everything applied so far durable: waits for deliveries, flushes and
    /// checkpoints, within `timeoutMs`. Used on revocation and on shutdown. Returns
    /// whether it all became durable; if not, the records after the last checkpoint
    /// are replayed by whoever owns the partitions next.
    @discardableResult
    func flushEverything(timeoutMs: Int) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        announceApplied()
        emitGroupReads(closingAll: true)
        guard drainDeliveries(timeoutMs: timeoutMs) else { return false }
        guard flusher.waitUntilIdle(deadline: deadline) else { return false }
        collectFlushReports()
        handOff()
        guard flusher.waitUntilIdle(deadline: deadline) else { return false }
        collectFlushReports()
        return !droppedABatch && pending.flushing == nil
    }

    private func commitToKafka(_ offsets: [TopicPartition: Int64]) {
        guard !offsets.isEmpty else { return }
        do {
            try consumer.commit(offsets)
        } catch {
            metrics.commitsFailed.increment()
            logger.notice("committing checkpointed offsets to Kafka failed (PostgreSQL holds them)",
                          metadata: ["error": "\(error)"])
        }
    }

    /// Pauses fetching while the unflushed backlog is at its bound (PostgreSQL slow
    /// or down), so memory stays bounded; resumes once a flush drains it.
    private func updateBackpressure() {
        let full = pending.changes.rowCount >= configuration.maxUnflushedRows
        guard full != consumptionPaused else { return }
        do {
            let assigned = try consumer.assignment()
            if full { try consumer.pause(assigned) } else { try consumer.resume(assigned) }
            consumptionPaused = full
            status.update { $0.paused = full }
            logger.log(level: full ? .warning : .notice,
                       full ? "unflushed backlog full: consumption paused until PostgreSQL catches up"
                            : "backlog flushed: consumption resumed",
                       metadata: ["unflushedRows": "\(pending.changes.rowCount)"])
        } catch {
            logger.warning("pausing or resuming consumption failed", metadata: ["error": "\(error)"])
        }
    }
}

/// State applied to Redis and not yet durable in PostgreSQL: the changes still
/// accumulating and the job the flusher is writing. Together with PostgreSQL they
/// are the complete state, which is what a Redis re-seed needs.
struct PendingState {
    var changes = StateChanges()
    var flushing: FlushJob?
    var nextJobID: UInt64 = 1

    /// Everything not yet durable, merged.
    var all: StateChanges {
        var merged = changes
        if let flushing { merged.merge(flushing.changes) }
        return merged
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
