import Foundation
import Logging
import Metrics
import ReceiptCore
import ReceiptKafka
import ReceiptRedis

/// A batch as the worker carries it through the machine's stages: its records and
/// events, then its Redis read, then what applying it decided and its write.
struct WorkerBatch {
    var contents: BatchContents
    /// The Redis commands that read its state, built when it was decoded.
    var read: RedisStateStore.PreparedRead
    /// The read, sent and not yet collected (nil: sending failed; it is re-read).
    var readInFlight: RedisStateStore.PendingRead?
    var outcome = BatchOutcome()
    /// The write, sent and not yet confirmed (nil: nothing to write, or sending failed).
    var writeInFlight: RedisStateStore.PendingWrite?
}

/// A poll's records and what decoding them gave.
struct BatchContents {
    let records: RecordBatch
    let events: [ReceiptEvent]
    /// Per event, the index of its record.
    let eventRecords: [Int]
    /// Per event, whether its record came after the partition's replay horizon
    /// (`BatchPipelineState.replayHorizons`): certainly its first run.
    let firstRuns: [Bool]
    /// Records the decoder refused, by index.
    let refused: [(record: Int, rejection: Rejection)]
    /// When decoding began.
    let started: ContinuousClock.Instant
}

extension ReceiptWorker {
    // MARK: decoded

    /// Decodes a poll's records and builds the Redis commands that read their state.
    func decode(_ records: RecordBatch) {
        guard !records.isEmpty else { return machine.decoded(nil, nextOffsets: [:]) }
        let started = ContinuousClock.now
        var events: [ReceiptEvent] = []
        var eventRecords: [Int] = []
        var refused: [(record: Int, rejection: Rejection)] = []
        events.reserveCapacity(records.count)
        eventRecords.reserveCapacity(records.count)
        for index in records.indices {
            switch decoder.decode(records.value(at: index), key: records.key(at: index)) {
            case .success(let event):
                events.append(event)
                eventRecords.append(index)
            case .failure(let rejection):
                refused.append((index, rejection))
            }
        }
        let queries = applier.queries(for: events, positions: eventRecords.map { records.offset(at: $0) })
        let firstRuns = firstRuns(of: eventRecords, in: records)
        let nextOffsets = Self.nextOffsets(of: records)
        let batch = WorkerBatch(
            contents: BatchContents(records: records, events: events, eventRecords: eventRecords, firstRuns: firstRuns,
                                    refused: refused, started: started),
            read: store.prepareRead(queries, trimBelow: trimPositions(events, eventRecords, records),
                                    marksBudget: records.count > 1 ? configuration.marksReadBudget : nil,
                                    horizons: nextOffsets.map { (horizonTag($0.key), $0.value) }))
        machine.decoded(batch, nextOffsets: nextOffsets)
    }

    /// Per event record, whether it is certainly applied for the first time: at or
    /// above its partition's replay horizon. One lookup per record by partition
    /// number (the worker consumes one topic), not by topic and partition.
    private func firstRuns(of eventRecords: [Int], in records: RecordBatch) -> [Bool] {
        if configuration.announceRepeats { return Array(repeating: false, count: eventRecords.count) }
        var horizons: [Int32: Int64] = [:]
        for (partition, horizon) in machine.replayHorizons where partition.topic == configuration.eventsTopic {
            horizons[partition.partition] = horizon
        }
        return eventRecords.map { records.offset(at: $0) >= horizons[records.partition(at: $0)] ?? .max }
    }

    /// Gives back a batch whose marked users hold more marks than one batch may read
    /// back, in two halves, and the records of the batch decoded after it: each goes
    /// through on its own. (A batch of one record has no budget: it cannot be cut.)
    func cut(_ batch: WorkerBatch, following: WorkerBatch?) {
        let records = batch.contents.records
        let half = records.count / 2
        var parts = [records.records(in: 0..<half), records.records(in: half..<records.count)]
        if let following { parts.append(following.contents.records) }
        machine.cut(into: parts)
    }

    // MARK: reading

    /// Sends the batch's read without waiting: Redis runs it behind the write in
    /// flight, while the worker announces the batch before and decodes the next.
    func sendRead(_ batch: WorkerBatch) {
        var batch = batch
        metrics.batchRecords.record(batch.contents.records.count)
        do {
            batch.readInFlight = try store.beginRead(batch.read)
        } catch {
            noteFailedRead(error)
        }
        machine.readSent(batch)
    }

    /// Collects the read (reading again until it succeeds), applies the batch and
    /// sends its write without waiting. A Redis that lost its data is reported to
    /// the machine, which has it re-seeded and the batch read again.
    func collectRead(_ batch: WorkerBatch) {
        var batch = batch
        let snapshots: [IDKey: ConversationSnapshot]
        switch readState(batch) {
        case .read(let read): snapshots = read
        case .stateLost:
            batch.readInFlight = nil
            return machine.readFoundRedisLost(batch)
        case .tooLarge(let marks):
            metrics.batchesCut.increment()
            logger.info("a batch's users hold too many marks to read back at once; cutting it in two", metadata: [
                "records": "\(batch.contents.records.count)", "marks": "\(marks)",
                "budget": "\(configuration.marksReadBudget)",
            ])
            return machine.readTooLarge(batch)
        case .abandoned: return machine.readAbandoned()
        }
        batch.readInFlight = nil
        let outcome = applier.apply(batch.contents.events, snapshots: snapshots, firstRuns: batch.contents.firstRuns)
        var sent = true
        do {
            batch.writeInFlight = try store.beginWrite(outcome.watermarkWrites, outcome.markedWrites)
        } catch {
            sent = false
            metrics.redisErrors.increment()
            logger.warning("writing state to Redis failed; retrying", metadata: ["error": "\(error)"])
        }
        let rejected = outcome.results.reduce(0) { count, result in
            if case .rejected = result { return count + 1 }
            return count
        }
        let summary = Machine.AppliedSummary(
            changes: outcome.changes, groupReads: outcome.groupReads,
            outgoingRecords: outcome.notifications.count + batch.contents.refused.count + rejected)
        batch.outcome = outcome
        machine.applied(batch, summary, writeSent: sent)
    }

    private enum ReadResult {
        case read([IDKey: ConversationSnapshot])
        /// Redis lost its data since this worker's epoch: nothing was allocated.
        case stateLost
        /// The batch's marked users hold more marks than it may read back: nothing
        /// was applied (what was allocated is given again to the same messages).
        case tooLarge(marks: Int)
        /// A stop came while the read was retried.
        case abandoned
    }

    private func readState(_ batch: WorkerBatch) -> ReadResult {
        if let inFlight = batch.readInFlight {
            do {
                return .read(try store.finishRead(inFlight))
            } catch let lost as RedisStateLost {
                noteStateLost(lost)
                return .stateLost
            } catch let over as MarksOverBudget {
                return .tooLarge(marks: over.marks)
            } catch {
                noteFailedRead(error)
            }
        }
        let read = batch.read
        do {
            // The batch's own prepared read, so its replay horizons are raised too
            // (re-prepared under the current epoch when a re-seed came between).
            let snapshots = try retry("reading state from Redis", counting: metrics.redisErrors, {
                try store.finishRead(store.beginRead(read))
            }, fatal: { $0 is RedisStateLost || $0 is MarksOverBudget })
            return snapshots.map(ReadResult.read) ?? .abandoned
        } catch let over as MarksOverBudget {
            return .tooLarge(marks: over.marks)
        } catch {
            noteStateLost(error as? RedisStateLost ?? RedisStateLost())  // the only other error `retry` lets through
            return .stateLost
        }
    }

    /// A failed overlapped read is read again by `readState`; lost state is not an error.
    private func noteFailedRead(_ error: any Error) {
        guard !(error is RedisStateLost) else { return }
        // A read sent behind a failed write was given up on purpose (`confirmWrite`).
        if let error = error as? RedisError, error.isAbandonment { return }
        metrics.redisErrors.increment()
        status.update { $0.redisReady = false }
        logger.warning("reading state from Redis failed; retrying", metadata: ["error": "\(error)"])
    }

    // MARK: applied

    /// Collects the write's replies. When it failed, the connection it used is
    /// abandoned (a read sent behind it is then read again, never used stale) and the
    /// write is sent again until it succeeds, or a stop drops the batch.
    func confirmWrite(_ batch: WorkerBatch) {
        var written = false
        if let sent = batch.writeInFlight {
            do {
                try store.finishWrite(sent)
                written = true
            } catch let lost as RedisStateLost {
                return writeFoundStateLost(lost)
            } catch {
                metrics.redisErrors.increment()
                status.update { $0.redisReady = false }
                logger.warning("writing state to Redis failed; retrying", metadata: ["error": "\(error)"])
                store.abandonConnection("the write before it failed")
            }
        }
        if !written {
            do {
                guard try retry("writing state to Redis", counting: metrics.redisErrors, {
                    try store.write(batch.outcome.watermarkWrites, batch.outcome.markedWrites)
                }, fatal: { $0 is RedisStateLost }) != nil else { return machine.writeAbandoned() }
            } catch {
                return writeFoundStateLost(error as? RedisStateLost ?? RedisStateLost())
            }
        }
        reportRedisWhole()  // before anything of the batch is announced
        machine.writeConfirmed()
    }

    /// The write's check found Redis lost or rolled back. The batch was read from
    /// the complete state, so what it decided stands: it joins the pending state,
    /// which the re-seed writes back whole, and the read sent behind it is read again.
    private func writeFoundStateLost(_ lost: RedisStateLost) {
        noteStateLost(lost)
        store.abandonConnection("Redis lost or rolled back its state")
        machine.writeConfirmed()
        machine.redisLost()
    }

    // MARK: announced

    /// Produces the batch's notifications and dead letters with the machine's
    /// tickets (notifications first, then dead letters in record order).
    func announce(_ batch: WorkerBatch, tickets: Range<UInt64>) {
        let contents = batch.contents
        var refused = contents.refused
        var appliedCounts: [EventType: Int64] = [:]
        var superseded: [EventType: Int64] = [:]
        var unchanged: [EventType: Int64] = [:]
        for (position, result) in batch.outcome.results.enumerated() {
            switch result {
            case .applied: appliedCounts[contents.events[position].type, default: 0] += 1
            case .superseded: superseded[contents.events[position].type, default: 0] += 1
            case .unchanged: unchanged[contents.events[position].type, default: 0] += 1
            case .rejected(let rejection): refused.append((contents.eventRecords[position], rejection))
            }
        }
        for (type, count) in appliedCounts { metrics.consumed[type]?.increment(by: count) }
        for (type, count) in superseded { metrics.superseded[type]?.increment(by: count) }
        for (type, count) in unchanged { metrics.unchanged[type]?.increment(by: count) }

        var ticket = tickets.lowerBound
        var notified: [NotificationType: Int64] = [:]
        let notifications = batch.outcome.notifications
        for index in notifications.indices {  // by index, borrowed: not copied into a loop variable
            notified[notifications[index].type, default: 0] += 1
            produce(notifications[index], ticket: ticket)
            ticket += 1
        }
        sendBatchNotifications()
        for (type, count) in notified { metrics.notifications[type]?.increment(by: count) }
        let records = contents.records
        refused.sort { $0.record < $1.record }  // dead letters keep the order of their source
        for (index, rejection) in refused {
            metrics.rejected[rejection.code]?.increment()
            metrics.deadLetters.increment()
            logger.warning("event refused", metadata: [
                "code": "\(rejection.code.rawValue)", "reason": "\(rejection.reason)",
                "partition": "\(records.partition(at: index))", "offset": "\(records.offset(at: index))"])
            enqueue(DeadLetter.record(for: index, of: records, rejection: rejection, topic: configuration.deadLetterTopic),
                    ticket: ticket)
            ticket += 1
        }
        precondition(ticket == tickets.upperBound, "announced \(ticket - tickets.lowerBound) records, not \(tickets.count)")
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
    func trimPositions(_ events: [ReceiptEvent], _ eventRecords: [Int], _ records: RecordBatch) -> [IDKey: Int64] {
        var trim: [IDKey: Int64] = [:]
        var run: (topic: String, partition: Int32, checkpoint: Int64)?
        for position in events.indices {
            let index = eventRecords[position]
            let partition = records.partition(at: index), topic = records.topic(at: index)
            if run?.partition != partition || run?.topic != topic {
                run = (topic, partition, machine.durableOffsets[TopicPartition(topic: topic, partition: partition)] ?? 0)
            }
            trim[IDKey(events[position].conversationID)] = run?.checkpoint
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
