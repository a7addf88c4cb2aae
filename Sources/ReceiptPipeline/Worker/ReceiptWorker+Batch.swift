import Foundation
import Logging
import Metrics
import ReceiptCore
import ReceiptKafka

extension ReceiptWorker {
    /// A polled batch, decoded, with the Redis commands that read its state.
    func decode(_ records: RecordBatch) -> DecodedBatch? {
        guard !records.isEmpty else { return nil }
        let started = ContinuousClock.now
        var events: [ReceiptEvent] = []
        var eventRecords: [Int] = []
        var refused: [(record: Int, rejection: Rejection)] = []
        events.reserveCapacity(records.count)
        eventRecords.reserveCapacity(records.count)
        for index in records.indices {
            switch decoder.decode(records.value(at: index)) {
            case .success(let event):
                events.append(event)
                eventRecords.append(index)
            case .failure(let rejection):
                refused.append((index, rejection))
            }
        }
        let queries = applier.queries(for: events, positions: eventRecords.map { records.offset(at: $0) })
        return DecodedBatch(
            contents: BatchContents(records: records, events: events, eventRecords: eventRecords, refused: refused,
                                    started: started),
            read: store.prepareRead(queries, trimBelow: trimPositions(events, eventRecords, records)))
    }

    /// One decoded batch, applied with one Redis pipeline to read and one to write.
    /// While Redis reads, the worker announces the batch applied before it, decodes
    /// `next`, the records polled after it, into `decoded`, the batch processed next,
    /// and collects delivery reports.
    /// The write is not waited for here: the next batch's reads go to Redis behind it
    /// (so they see it), and its replies are collected, and the batch's notifications
    /// and dead letters produced, by `announceApplied()`: while Redis works on the next
    /// batch's reads, or as soon as a poll finds nothing more to do.
    func process(_ batch: DecodedBatch, decodingMeanwhile next: RecordBatch) {
        guard !droppedABatch else { return }
        metrics.batchRecords.record(batch.contents.records.count)  // here, not at decoding: a revocation decodes again
        guard let snapshots = readState(batch.read, meanwhile: {
                  announceApplied()
                  decoded = decode(next)
                  serveDeliveries(timeoutMs: 0)
              }),
              !droppedABatch
        else { return }
        let outcome = applier.apply(batch.contents.events, snapshots: snapshots)
        var sent: RedisStateStore.PendingWrite?
        var sendFailed = false
        do {
            sent = try store.beginWrite(outcome.watermarkWrites, outcome.markedWrites)
        } catch {
            sendFailed = true
            metrics.redisErrors.increment()
            logger.warning("writing state to Redis failed; retrying", metadata: ["error": "\(error)"])
        }
        writeInFlight = WriteInFlight(sent: sent, outcome: outcome)
        applied = AppliedBatch(contents: batch.contents, outcome: outcome)
        // A write that could not be sent is written now, before anything (the next
        // batch's reads) can be sent ahead of it.
        if sendFailed { confirmWrite() }
    }

    /// Produces the notifications and dead letters of the batch applied last, and
    /// opens its ledger batch: only from then on can a checkpoint cover its records.
    /// Runs before every poll that may wait, and before every flush, so an applied
    /// batch never waits long to be announced and is never left out of a drain.
    func announceApplied() {
        guard confirmWrite(), !droppedABatch, let batch = applied else { return }
        applied = nil
        let contents = batch.contents
        var refused = contents.refused
        var appliedCounts: [EventType: Int64] = [:]
        var superseded: [EventType: Int64] = [:]
        for (position, result) in batch.outcome.results.enumerated() {
            switch result {
            case .applied: appliedCounts[contents.events[position].type, default: 0] += 1
            case .superseded: superseded[contents.events[position].type, default: 0] += 1
            case .rejected(let rejection): refused.append((contents.eventRecords[position], rejection))
            }
        }
        for (type, count) in appliedCounts { metrics.consumed[type]?.increment(by: count) }
        for (type, count) in superseded { metrics.superseded[type]?.increment(by: count) }

        let records = contents.records
        let nextOffsets = Self.nextOffsets(of: records)
        positions.merge(nextOffsets) { max($0, $1) }
        let ticketBatch = ledger.open(nextOffsets: nextOffsets)
        holdGroupReads(batch.outcome.groupReads, batch: ticketBatch)
        var notified: [NotificationType: Int64] = [:]
        let notifications = batch.outcome.notifications
        for index in notifications.indices {  // by index, borrowed: not copied into a loop variable
            notified[notifications[index].type, default: 0] += 1
            produce(notifications[index], ticket: ledger.ticket(for: ticketBatch))
        }
        sendBatchNotifications()
        for (type, count) in notified { metrics.notifications[type]?.increment(by: count) }
        refused.sort { $0.record < $1.record }  // dead letters keep the order of their source
        for (index, rejection) in refused {
            metrics.rejected[rejection.code]?.increment()
            metrics.deadLetters.increment()
            logger.warning("event refused", metadata: [
                "code": "\(rejection.code.rawValue)", "reason": "\(rejection.reason)",
                "partition": "\(records.partition(at: index))", "offset": "\(records.offset(at: index))"])
            send(DeadLetter.record(for: index, of: records, rejection: rejection, topic: configuration.deadLetterTopic),
                 batch: ticketBatch)
        }
        metrics.batchSeconds.recordInterval(since: contents.started)
        recordApplyLatency(records)
        spareRecords = records  // its own once `batch` is gone, at the return
    }

    private func recordApplyLatency(_ records: RecordBatch) {
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        for index in records.indices {
            if let produced = records.timestampMs(at: index), produced > 0 {
                metrics.applyLatency.recordMilliseconds(max(0, nowMs - produced))
            }
        }
    }

    /// Per conversation, its partition's checkpoint: replays never start before it,
    /// so allocation positions below it are no longer needed. A poll returns each
    /// partition's records in runs, so the checkpoint is looked up once per run; and a
    /// conversation lives in one partition, so a later event can simply overwrite it.
    func trimPositions(_ events: [ReceiptEvent], _ eventRecords: [Int], _ records: RecordBatch) -> [String: Int64] {
        var trim: [String: Int64] = [:]
        var run: (topic: String, partition: Int32, checkpoint: Int64)?
        for position in events.indices {
            let index = eventRecords[position]
            let partition = records.partition(at: index), topic = records.topic(at: index)
            if run?.partition != partition || run?.topic != topic {
                run = (topic, partition, durableOffsets[TopicPartition(topic: topic, partition: partition)] ?? 0)
            }
            trim[events[position].conversationID] = run?.checkpoint
        }
        return trim
    }

    /// Next offset to consume per partition once these records are finished.
    /// A poll returns each partition's records in runs, so the dictionary is only
    /// touched when the partition changes, not once per record.
    static func nextOffsets(of records: RecordBatch) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        var run: (topic: String, partition: Int32, next: Int64)?
        func finishRun() {
            guard let run else { return }
            let partition = TopicPartition(topic: run.topic, partition: run.partition)
            offsets[partition] = max(offsets[partition] ?? 0, run.next)
        }
        for index in records.indices {
            let partition = records.partition(at: index), offset = records.offset(at: index)
            if let current = run, current.partition == partition, current.topic == records.topic(at: index) {
                run?.next = max(current.next, offset + 1)
            } else {
                finishRun()
                run = (records.topic(at: index), partition, offset + 1)
            }
        }
        finishRun()
        return offsets
    }
}

extension Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// A poll's records and what decoding them gave.
struct BatchContents {
    let records: RecordBatch
    let events: [ReceiptEvent]
    /// Per event, the index of its record.
    let eventRecords: [Int]
    /// Records the decoder refused, by index.
    let refused: [(record: Int, rejection: Rejection)]
    /// When decoding began.
    let started: ContinuousClock.Instant
}

/// A polled batch, decoded, whose state is not read yet.
struct DecodedBatch {
    let contents: BatchContents
    /// The Redis commands that read its state, built with it.
    let read: RedisStateStore.PreparedRead
}

/// A batch applied (its write possibly still in flight, see `WriteInFlight`) whose
/// notifications and dead letters are not produced yet.
struct AppliedBatch {
    let contents: BatchContents
    let outcome: BatchOutcome
}
