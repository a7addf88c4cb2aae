import Logging
import ReceiptCore
import ReceiptKafka
import ReceiptPostgres

extension ReceiptWorker {
    /// Reads what the flusher finished and tells the machine.
    func collectFlushReports() {
        for report in flusher.takeReports() {
            switch report {
            case .flushed(let job, let rows, let duration):
                metrics.flushRows.record(rows)
                metrics.flushSeconds.recordNanoseconds(duration.nanoseconds)
                status.update {
                    $0.postgresReady = true
                    if !job.checkpoints.isEmpty { $0.lastCheckpoint = .now }
                }
                machine.flushed(job)
            case .failed(_, let error, let permanent):
                metrics.postgresErrors.increment()
                status.update { $0.postgresReady = false }
                if permanent {
                    // Retrying would spin forever, and every checkpoint waits on this flush.
                    stopItself("PostgreSQL refused a flush in a way no retry can fix: \(error)")
                }
            }
        }
    }

    func handToFlusher(_ job: FlushJob) {
        var job = job
        job.mark = CheckpointMark(writer: store.writerID, position: store.acknowledgedPosition)
        let moved = store.slotPositionsToRecord()
        if !moved.isEmpty {
            job.slotPositions = SlotPositions(group: configuration.group, writer: store.writerID, positions: moved)
        }
        if !flusher.submit(job) {
            store.recordedSlotPositions = [:]  // the next job records every slot again
            machine.flusherRefused(job)
        }
    }

    /// A durable job's checkpoints are committed to Kafka as well, so consumer lag
    /// stays visible to ordinary Kafka tooling.
    func commitToKafka(_ offsets: [TopicPartition: Int64]) {
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
    func setConsumptionPaused(_ paused: Bool) {
        do {
            let assigned = try consumer.assignment()
            if paused { try consumer.pause(assigned) } else { try consumer.resume(assigned) }
            status.update { $0.paused = paused }
            logger.log(level: paused ? .warning : .notice,
                       paused ? "unflushed backlog full: consumption paused until PostgreSQL catches up"
                              : "backlog flushed: consumption resumed",
                       metadata: ["unflushedRows": "\(machine.pending.changes.rowCount)"])
        } catch {
            machine.consumptionToggleFailed()
            logger.warning("pausing or resuming consumption failed", metadata: ["error": "\(error)"])
        }
    }
}
