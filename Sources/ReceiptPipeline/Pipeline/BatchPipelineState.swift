import ReceiptCore
import ReceiptKafka

/// What decides, for one worker, what happens next to its batches: a value that
/// takes events (a poll's records, a Redis reply, a delivery report, a flush, a
/// rebalance, a stop) and hands out one action at a time for `ReceiptWorker` to
/// carry out against Kafka, Redis and PostgreSQL. It does no I/O and reads no clock:
/// time comes in as milliseconds of the caller's monotonic clock.
///
/// A batch goes through these stages, one batch per stage at most:
///
///     polled ─► decoded ─► reading ─► applied (write in flight ─► confirmed)
///       ─► announced (ledger) ─► acknowledged ─► handed to the flusher ─► flushed ─► committed
///
/// A batch's Redis read is sent behind the previous batch's write, and while Redis
/// works on it the previous batch is announced and the next one decoded: the
/// overlap is a matter of which stage is served first, not of re-entrant calls.
///
/// Invariant: a checkpoint (`handToFlusher`'s job, then `commit`) covers a record
/// only when the record was applied to Redis, its state is in that job or an earlier
/// flushed one, and every record it caused (notification, dead letter, the
/// `groupHasRead` of a window it fed) was acknowledged by the broker. A batch that
/// is dropped (a stop while Redis was away) stops every later announcement, so no
/// checkpoint ever skips over it.
///
/// `Records` is what a poll returns, `Batch` what decoding makes of it; the machine
/// only moves them between stages.
struct BatchPipelineState<Records, Batch> {
    private struct Decoded {
        var batch: Batch
        var nextOffsets: [TopicPartition: Int64]
    }

    private struct Applied {
        var decoded: Decoded
        var summary: AppliedSummary
        /// nil once confirmed; false when the write could not even be sent.
        var writeSent: Bool?
    }

    /// Where the loop is in its round: chores, then one poll, then the batches that
    /// poll moves along, then delivery reports.
    private enum Step {
        case chores
        case polling
        case processing
    }

    private struct Drain {
        enum Purpose { case revoke([TopicPartition]), stop }
        let purpose: Purpose
        let deadline: Int64
        var handedOff = false
    }

    let configuration: Configuration

    // MARK: Stages, polled to applied
    private var step = Step.chores
    /// Records polled (or carried) this round, not yet decoded.
    private var undecoded: Records?
    /// The undecoded records may hold partitions this worker no longer owns (a
    /// revocation ran inside this round's poll, or they were carried from before
    /// one): decoding keeps only `owned`.
    private var narrowUndecoded = false
    /// The parts of a batch whose read was too large (`readTooLarge`), then the
    /// records that came after it, in order: each goes through as if polled, before
    /// anything is polled again (unless consumption is paused).
    private var carried: [Records] = []
    /// The batch decoded last, read next.
    private var decoded: Decoded?
    /// The batch whose read this round sends.
    private var toRead: Decoded?
    /// The batch whose read is at Redis, and whether this round's chores while it
    /// works (announce, decode, reports) are done.
    private var reading: Decoded?
    private var readingChoresDone = false
    /// The batch whose read is being collected and applied.
    private var collecting: Decoded?
    /// This round polled nothing and had nothing decoded: the applied batch is
    /// announced now rather than behind the next read.
    private var announceAtRoundEnd = false
    private var applied: Applied?
    /// Set when a stop dropped a read or applied batch: nothing after it may be
    /// announced, or a checkpoint would skip its records.
    private(set) var droppedABatch = false

    // MARK: Announced to checkpointed
    private(set) var ledger = DeliveryLedger()
    private var groupReads: GroupReadCoalescer
    private var groupReadHolds = GroupReadHolds()
    /// Finished offsets not yet handed to the flusher.
    private var finishedOffsets: [TopicPartition: Int64] = [:]
    /// State applied to Redis and not yet durable.
    private(set) var pending = PendingState()
    private var lastHandOff: Int64
    private var lastStatus: Int64
    /// This round's chores have collected the flusher's reports.
    private var flushReportsCollected = false
    private(set) var consumptionPaused = false
    /// Actions owed before any other (commits of flushed jobs, a drain's last steps).
    private var queued: [Action] = []
    private var drain: Drain?
    private var stopRequested = false
    private var stopped = false
    /// Redis lost its data: it is re-seeded before anything reads it.
    private var reseedNeeded = false

    // MARK: Partitions
    /// Partitions this worker owns.
    private(set) var owned: Set<TopicPartition> = []
    /// The durable checkpoint per owned partition: where its replay would start.
    private(set) var durableOffsets: [TopicPartition: Int64] = [:]
    /// Next offset to consume per partition once announced, for the lag.
    private(set) var positions: [TopicPartition: Int64] = [:]
    /// Per owned partition, its replay horizon when it was assigned: the offset
    /// after every record whose state a previous owner (or this process before a
    /// crash) may have written to Redis. A record below it may be a replay, whose
    /// repeats are announced again, since the first run's notifications may never
    /// have gone out. A record at or above it was never applied before: one that
    /// changes nothing is a client's repeat, counted and not announced.
    private(set) var replayHorizons: [TopicPartition: Int64] = [:]
    /// Per partition this worker wrote, the offset after the last record whose state
    /// it wrote to Redis. Each flush stores it as the partitions' replay horizons in
    /// PostgreSQL, and a re-seed raises them to it in Redis, under the new epoch,
    /// before it writes this worker's unflushed state back.
    /// Kept after a revocation: an unfinished drain leaves that partition's state in
    /// the unflushed changes, which a re-seed writes back too. (A horizon raised too
    /// high only makes repeats announced.) At most one entry per partition.
    private(set) var writtenThrough: [TopicPartition: Int64] = [:]

    init(configuration: Configuration, now: Int64) {
        self.configuration = configuration
        self.groupReads = GroupReadCoalescer(configuration: configuration.groupReads)
        self.lastHandOff = now
        self.lastStatus = now
    }

    /// Whether a revocation or a stop is draining.
    var isDraining: Bool { drain != nil }
}

// MARK: - Events

extension BatchPipelineState {
    /// The poll of the `poll` action returned these records (nil: none).
    mutating func polled(_ records: Records?) {
        precondition(step == .polling, "polled(_:) without a poll")
        if let records, !carried.isEmpty {
            // Polled while paused with a cut batch's parts waiting: these go after them.
            carried.append(records)
            return take(nil)
        }
        take(records)
    }

    /// Starts a round's processing with these records: the batch decoded last is
    /// read, they are decoded.
    private mutating func take(_ records: Records?) {
        step = .processing
        announceAtRoundEnd = records == nil && decoded == nil
        if let decoded {
            self.decoded = nil
            toRead = decoded
        }
        undecoded = records
    }

    /// Decoding (or narrowing) gave this batch; nil when nothing was left of it.
    mutating func decoded(_ batch: Batch?, nextOffsets: [TopicPartition: Int64]) {
        precondition(decoded == nil, "a second decoded batch before the first was read")
        decoded = batch.map { Decoded(batch: $0, nextOffsets: nextOffsets) }
    }

    /// The `sendRead` action sent the read (or failed to: `collectRead` retries it).
    mutating func readSent(_ batch: Batch) {
        reading?.batch = batch
    }

    /// The batch's read was collected and applied, and its write sent (`writeSent`
    /// false: sending failed, and it is written before anything else).
    mutating func applied(_ batch: Batch, _ summary: AppliedSummary, writeSent: Bool) {
        guard let collecting else { preconditionFailure("applied(_:) without a collectRead") }
        self.collecting = nil
        applied = Applied(decoded: Decoded(batch: batch, nextOffsets: collecting.nextOffsets),
                          summary: summary, writeSent: writeSent)
    }

    /// Collecting the read found that the batch's marked users hold more marks than
    /// one batch may read back: nothing was applied. The batch is cut (`cut`), and
    /// its parts, then the batch decoded after it, go through again in order.
    mutating func readTooLarge(_ batch: Batch) {
        guard collecting != nil else { preconditionFailure("readTooLarge(_:) without a collectRead") }
        collecting = nil
        queued.append(.cut(batch, following: decoded?.batch))
        decoded = nil
    }

    /// The `cut` action's records: the cut batch's parts, then the batch decoded
    /// after it. They go ahead of any other records waiting.
    mutating func cut(into parts: [Records]) {
        var ahead = parts
        if let undecoded {
            ahead.append(undecoded)
            self.undecoded = nil
        }
        carried = ahead + carried
    }

    /// Redis lost its data (the status check saw the sentinel change).
    mutating func redisLost() {
        reseedNeeded = true
    }

    /// Collecting the read found that Redis lost its data: the batch is read again
    /// once Redis is re-seeded.
    mutating func readFoundRedisLost(_ batch: Batch) {
        guard let collecting else { preconditionFailure("readFoundRedisLost(_:) without a collectRead") }
        self.collecting = nil
        reading = Decoded(batch: batch, nextOffsets: collecting.nextOffsets)
        readingChoresDone = true
        reseedNeeded = true
    }

    /// Redis holds the complete state again.
    mutating func reseeded() {
        reseedNeeded = false
    }

    /// A writer check begun after every flush reported so far passed: Redis still
    /// holds what those flushes wrote there, so a later re-seed need not add it.
    mutating func redisConfirmed() {
        pending.settling = StateChanges()
    }

    /// A stop came while Redis was re-seeded: the batch waiting to be read is dropped.
    mutating func reseedAbandoned() {
        reseedNeeded = false
        if reading != nil {
            reading = nil
            droppedABatch = true
        }
    }

    /// A stop came while the read was retried: the batch is dropped unapplied.
    mutating func readAbandoned() {
        collecting = nil
        droppedABatch = true
    }

    /// The applied batch's write is stored: its state joins the unflushed changes.
    mutating func writeConfirmed() {
        guard let batch = applied else { preconditionFailure("writeConfirmed() with no applied batch") }
        applied?.writeSent = nil
        pending.changes.merge(batch.summary.changes)
        pending.changesBytes += batch.summary.changes.estimatedBytes
        writtenThrough.merge(batch.decoded.nextOffsets) { max($0, $1) }
    }

    /// A stop came while the write was retried: the batch is dropped unannounced.
    mutating func writeAbandoned() {
        applied = nil
        droppedABatch = true
    }

    /// The broker acknowledged the records with these tickets.
    mutating func delivered(_ tickets: some Sequence<UInt64>) {
        for ticket in tickets {
            ledger.acknowledge(ticket)
            for held in groupReadHolds.acknowledged(ticket) { ledger.acknowledge(held) }
        }
    }

    /// The flusher stored this job: its checkpoints are durable.
    mutating func flushed(_ job: FlushJob) {
        if pending.flushing?.id == job.id {
            pending.settling.merge(job.changes)
            pending.flushing = nil
        }
        for (partition, offset) in job.checkpoints where durableOffsets[partition] != nil || positions[partition] != nil {
            durableOffsets[partition] = max(durableOffsets[partition] ?? 0, offset)
        }
        if !job.checkpoints.isEmpty { queued.append(.commit(job.checkpoints)) }
    }

    /// The flusher was still busy and took nothing: the job's changes and
    /// checkpoints go back to wait for the next hand-off.
    mutating func flusherRefused(_ job: FlushJob) {
        if pending.flushing?.id == job.id { pending.flushing = nil }
        var changes = job.changes
        changes.merge(pending.changes)
        pending.changes = changes
        pending.changesBytes += job.changes.estimatedBytes
        finishedOffsets.merge(job.checkpoints) { max($0, $1) }
    }

    /// Pausing or resuming failed; it is tried again on the next round.
    mutating func consumptionToggleFailed() {
        consumptionPaused.toggle()
    }

    /// Partitions assigned, with their checkpoints from PostgreSQL (where known).
    /// Until `learnedReplayHorizons`, every record of theirs may be a replay.
    mutating func assigned(_ partitions: [TopicPartition], checkpoints: [TopicPartition: Int64]) {
        owned.formUnion(partitions)
        durableOffsets.merge(checkpoints) { max($0, $1) }
        for partition in partitions { replayHorizons[partition] = .max }
    }

    /// The replay horizons Redis holds for newly assigned partitions, read once
    /// Redis was found to hold what their checkpoints recorded.
    mutating func learnedReplayHorizons(_ horizons: [TopicPartition: Int64]) {
        for (partition, horizon) in horizons where owned.contains(partition) { replayHorizons[partition] = horizon }
    }

    /// Partitions are being revoked (inside a poll): everything in hand is drained
    /// to PostgreSQL before they go; the worker carries out actions until
    /// `revocationDrained`.
    mutating func revoked(_ partitions: [TopicPartition], now: Int64) {
        precondition(drain == nil, "a revocation during a drain")
        drain = Drain(purpose: .revoke(partitions), deadline: now + configuration.revokeDrainTimeoutMs)
    }

    /// A stop was asked for: the batch in hand is finished, drained and checkpointed
    /// (within the stop's timeout), then `stop`.
    mutating func stopWasRequested() {
        stopRequested = true
    }
}

// MARK: - Choosing the next action

extension BatchPipelineState {
    /// The next thing to do. Call again once it is carried out and its outcome
    /// reported.
    mutating func nextAction(now: Int64) -> Action {
        if !queued.isEmpty { return queued.removeFirst() }
        // A write that could not be sent goes first: nothing may reach Redis ahead of it.
        if let applied, applied.writeSent == false { return .confirmWrite(applied.decoded.batch) }
        if reseedNeeded {
            // Once, until the worker reports; `reseeded` or `reseedAbandoned` settle it.
            reseedNeeded = false
            return .reseed
        }
        if drain == nil, stopRequested, !stopped, step != .polling {
            drain = Drain(purpose: .stop, deadline: now + configuration.stopDrainTimeoutMs)
        }
        if drain != nil { return drainAction(now: now) }
        switch step {
        case .chores: return choresAction(now: now)
        case .polling: preconditionFailure("nextAction while a poll is unreported")
        case .processing: return processingAction(now: now)
        }
    }

    private mutating func choresAction(now: Int64) -> Action {
        if !flushReportsCollected {
            // Every round: a flushed job frees the flusher for the next hand-off at once.
            flushReportsCollected = true
            return .collectFlushReports
        }
        if now - lastStatus >= configuration.statusIntervalMs {
            // The status looks at Redis: the write in flight is collected first.
            if let applied, applied.writeSent != nil { return .confirmWrite(applied.decoded.batch) }
            lastStatus = now
            return .reportStatus
        }
        if pending.flushing == nil,
           now - lastHandOff >= configuration.flushIntervalMs || pending.changes.rowCount >= configuration.flushRowThreshold
           || pending.changesBytes >= configuration.maxUnflushedBytes / 10 {
            lastHandOff = now
            if let job = takeFlushJob() { return .handToFlusher(job) }
        }
        let full = pending.changes.rowCount >= configuration.maxUnflushedRows
            || pending.changesBytes >= configuration.maxUnflushedBytes
        if full != consumptionPaused {
            consumptionPaused = full
            return full ? .pauseConsumption : .resumeConsumption
        }
        let windows = groupReads.due(at: now)
        if !windows.isEmpty { return .produceGroupReads(groupReadRecords(windows)) }
        if ledger.inFlight >= configuration.maxInFlightNotifications {
            flushReportsCollected = false  // a round of waiting for the broker is a round too
            return .awaitDeliveries(timeoutMs: 50)
        }
        flushReportsCollected = false
        if !carried.isEmpty, !consumptionPaused {
            // A cut batch's parts (and what came after it) go before anything new.
            narrowUndecoded = true
            take(carried.removeFirst())
            return processingAction(now: now)
        }
        step = .polling
        narrowUndecoded = false
        let idle = applied == nil && decoded == nil
        return .poll(timeoutMs: idle ? configuration.pollTimeoutMs : 0)
    }

    private mutating func processingAction(now: Int64) -> Action {
        if let batch = toRead {
            toRead = nil
            reading = batch
            readingChoresDone = false
            return .sendRead(batch.batch)
        }
        if let batch = reading {
            // While Redis reads: announce the batch before, decode the next, serve reports.
            if let action = confirmOrAnnounce(now: now) { return action }
            if let action = decodeUndecoded() { return action }
            if !readingChoresDone {
                readingChoresDone = true
                return .awaitDeliveries(timeoutMs: 0)
            }
            reading = nil
            collecting = batch
            return .collectRead(batch.batch)
        }
        if let action = decodeUndecoded() { return action }
        if announceAtRoundEnd, let action = confirmOrAnnounce(now: now) { return action }
        step = .chores
        return .awaitDeliveries(timeoutMs: 0)
    }

    private mutating func decodeUndecoded() -> Action? {
        guard let records = undecoded else { return nil }
        undecoded = nil
        return .decode(records, keeping: narrowUndecoded ? owned : nil)
    }

    /// Collects the applied batch's write, or, once it is confirmed, announces the
    /// batch: opens its ledger batch, gives its records their tickets and adds its
    /// group reads to their windows. nil when there is no applied batch.
    private mutating func confirmOrAnnounce(now: Int64) -> Action? {
        guard let batch = applied else { return nil }
        if batch.writeSent != nil { return .confirmWrite(batch.decoded.batch) }
        applied = nil
        guard !droppedABatch else { return nil }
        let nextOffsets = batch.decoded.nextOffsets
        positions.merge(nextOffsets) { max($0, $1) }
        let ledgerBatch = ledger.open(nextOffsets: nextOffsets)
        for read in batch.summary.groupReads {
            let window = groupReads.add(read, at: now)
            groupReadHolds.hold(window: window, batch: ledgerBatch, ledger: &ledger)
        }
        let tickets = ledger.tickets(for: ledgerBatch, count: batch.summary.outgoingRecords)
        return .announce(batch.decoded.batch, tickets: tickets)
    }

    /// The records of closed `groupHasRead` windows, each with a ticket no batch
    /// waits on directly: the batches that fed a window hold tickets of their own
    /// until all of its records are acknowledged.
    private mutating func groupReadRecords(_ windows: [GroupReadCoalescer.Window])
        -> [(notification: Notification, ticket: UInt64)] {
        var records: [(notification: Notification, ticket: UInt64)] = []
        for window in windows {
            for notification in window.notifications {
                let ticket = ledger.unattachedTicket()
                groupReadHolds.sent(ticket, window: window.id)
                records.append((notification, ticket))
            }
        }
        return records
    }

    /// The unflushed changes and the finished offsets, as the next flush job; nil
    /// when there is nothing to flush.
    private mutating func takeFlushJob() -> FlushJob? {
        finishedOffsets.merge(ledger.takeFinishedOffsets()) { max($0, $1) }
        guard !pending.changes.isEmpty || !finishedOffsets.isEmpty else { return nil }
        // Everything this worker wrote is in this job or an earlier one, so what it
        // wrote through covers the job's state (a partition's horizon only rises).
        var job = FlushJob(id: pending.nextJobID, changes: pending.changes, checkpoints: finishedOffsets)
        job.replayHorizons = writtenThrough
        pending.nextJobID += 1
        pending.flushing = job
        // The next interval's changes are about as many: room for them now, so no map
        // grows (and rehashes every entry) while they come in; at most the early-flush
        // threshold's worth, so a hand-off after PostgreSQL was away does not reserve
        // that much again.
        let threshold = configuration.flushRowThreshold
        let room = { (rows: Int) in min(rows, threshold) }
        pending.changes = StateChanges()
        pending.changesBytes = 0
        pending.changes.reserveCapacity(
            maxSeqs: room(job.changes.maxSeqs.count), reads: room(job.changes.reads.count),
            deliveries: room(job.changes.deliveries.count), clientMessages: room(job.changes.clientMessages.count))
        finishedOffsets.removeAll(keepingCapacity: true)
        return job
    }
}

// MARK: - Draining

extension BatchPipelineState {
    /// A drain makes everything applied durable before partitions go or the worker
    /// stops: it finishes the batch being read and the applied one, closes every
    /// group-read window, waits for deliveries, hands everything to the flusher and
    /// waits for it, all before the deadline. Batches decoded and not yet read are
    /// not applied: their records come after everything announced, so they are
    /// simply replayed.
    private mutating func drainAction(now: Int64) -> Action {
        guard var current = drain else { preconditionFailure("drainAction without a drain") }
        if let action = confirmOrAnnounce(now: now) { return action }
        if collecting != nil { preconditionFailure("nextAction while a read is collected: report applied(_:) first") }
        if let batch = reading {
            reading = nil
            collecting = batch
            return .collectRead(batch.batch)
        }
        if groupReads.openWindows > 0 { return .produceGroupReads(groupReadRecords(groupReads.closeAll())) }
        let remaining = current.deadline - now
        if remaining > 0 {
            let wait = Int32(min(remaining, 100))
            if ledger.inFlight > 0 { return .awaitDeliveries(timeoutMs: wait) }
            if pending.flushing != nil { return .awaitFlusher(timeoutMs: wait) }
            if !current.handedOff {
                current.handedOff = true
                drain = current
                lastHandOff = now
                if let job = takeFlushJob() { return .handToFlusher(job) }
                return drainAction(now: now)
            }
        }
        let complete = remaining > 0 && !droppedABatch
        drain = nil
        switch current.purpose {
        case .stop:
            stopped = true
            undecoded = nil
            decoded = nil
            toRead = nil
            carried.removeAll()
            return .stop(complete: complete)
        case .revoke(let partitions):
            owned.subtract(partitions)
            for partition in partitions {
                finishedOffsets[partition] = nil
                positions[partition] = nil
                durableOffsets[partition] = nil
                replayHorizons[partition] = nil
            }
            narrowUndecoded = true
            queued.append(.revocationDrained(complete: complete))
            // The batch decoded and not yet read keeps only the partitions still
            // owned: the next owner replays the others from their checkpoints.
            if let batch = decoded {
                decoded = nil
                return .narrow(batch.batch, keeping: owned)
            }
            return queued.removeFirst()
        }
    }
}
