import ReceiptCore
import ReceiptKafka
@testable import ReceiptPipeline
import Testing
import TestSupport

/// Records of one poll: a range of offsets per partition.
struct TestRecords: Equatable {
    var offsets: [TopicPartition: ClosedRange<Int64>]

    var count: Int { offsets.values.reduce(0) { $0 + $1.count } }

    /// The records in two halves, as `ReceiptWorker.cut` makes them: partitions in
    /// order, the first half of the records in the first.
    func halves() -> [TestRecords] {
        var first = TestRecords(offsets: [:]), second = TestRecords(offsets: [:])
        var left = count / 2
        for (partition, range) in offsets.sorted(by: { $0.key.partition < $1.key.partition }) {
            let taken = Int64(min(left, range.count))
            left -= Int(taken)
            if taken > 0 { first.offsets[partition] = range.lowerBound...(range.lowerBound + taken - 1) }
            if taken < range.count { second.offsets[partition] = (range.lowerBound + taken)...range.upperBound }
        }
        return [first, second]
    }
}

/// A decoded batch: its id, its records, and what applying it will give.
struct TestBatch: Equatable {
    var id: Int
    var records: TestRecords
}

typealias TestMachine = BatchPipelineState<TestRecords, TestBatch>

/// A world with no I/O in which `BatchPipelineState` runs: it carries out each
/// action the way `ReceiptWorker` does, as far as the machine can tell, and keeps
/// the books to check the checkpoint invariant against: which batch was announced
/// with which tickets and changes, which tickets the broker acknowledged, which
/// jobs were flushed, and every checkpoint handed out.
///
/// Every check that the invariant holds is made where a checkpoint leaves the
/// machine (`handToFlusher`, `commit`), so a test only drives events.
struct PipelineWorld {
    var machine: TestMachine
    var now: Int64 = 0

    /// What the next poll returns, oldest first; an empty queue polls nothing.
    var toPoll: [TestRecords] = []
    /// What applying a batch gives, by batch id; defaults to one notification and
    /// a changed conversation named for the batch.
    var outgoingRecords: [Int: Int] = [:]
    var groupReads: [Int: [GroupRead]] = [:]
    /// Whether the next write is sent (false: sending failed).
    var writeSendFails = false
    /// The next confirmation of a write fails until a stop abandons it.
    var writeKeepsFailing = false
    /// A read collected while this is set is abandoned (a stop during the retries).
    var readKeepsFailing = false
    /// The next read finds that Redis lost its data.
    var redisLosesItsData = false
    /// A read of a batch of more records than this is too large (its users hold
    /// more marks than one batch may read back).
    var maxRecordsPerRead: Int?
    private(set) var cuts = 0
    /// A re-seed is abandoned (a stop while PostgreSQL was away).
    var reseedKeepsFailing = false
    private(set) var reseeds = 0
    /// Whether the flusher accepts jobs and stores them when awaited.
    var postgresUp = true
    /// Delivery reports are served by `awaitDeliveries` when set.
    var brokerAcknowledges = true
    /// When set, `awaitDeliveries` acknowledges a random half of what is unacknowledged.
    var partialAcknowledgements: SplitMix64?

    // The books.
    private(set) var actions: [String] = []
    private(set) var nextBatchID = 1
    /// Per announced batch: its records, tickets and changes.
    private(set) var announced: [Int: (records: TestRecords, tickets: [UInt64], changes: StateChanges)] = [:]
    /// The announced batches' ids, in the order they were announced.
    private(set) var announceOrder: [Int] = []
    private(set) var unacknowledged: Set<UInt64> = []
    private(set) var acknowledgedTickets: Set<UInt64> = []
    private(set) var flusherJob: FlushJob?
    private(set) var flushedJobs: [FlushJob] = []
    /// Checkpoints handed to the flusher, and committed to Kafka.
    private(set) var handedCheckpoints: [[TopicPartition: Int64]] = []
    private(set) var commits: [[TopicPartition: Int64]] = []
    /// Every range of offsets polled, per partition.
    private(set) var polled: [TopicPartition: [ClosedRange<Int64>]] = [:]
    private(set) var decodedKeeping: [Set<TopicPartition>?] = []
    private(set) var stopped: Bool?
    private(set) var revocationComplete: Bool?
    private(set) var paused = false

    init(configuration: TestMachine.Configuration = .init()) {
        machine = TestMachine(configuration: configuration, now: 0)
    }

    static func changes(of batch: Int) -> StateChanges {
        var changes = StateChanges()
        changes.recordMaxSeq("batch-\(batch)", 1)
        return changes
    }

    /// Carries out the next action; returns it for the test to look at.
    @discardableResult
    mutating func step(sourceLocation: SourceLocation = #_sourceLocation) -> TestMachine.Action {
        let action = machine.nextAction(now: now)
        actions.append(Self.name(action))
        perform(action, sourceLocation: sourceLocation)
        return action
    }

    /// Steps until an action named `name` has been carried out (at most `limit`
    /// steps), the clock moving 20 ms a step.
    mutating func run(until name: String, limit: Int = 200, sourceLocation: SourceLocation = #_sourceLocation) {
        for _ in 0..<limit {
            now += 20
            if Self.name(step(sourceLocation: sourceLocation)) == name { return }
        }
        Issue.record("no \(name) within \(limit) steps; last actions: \(actions.suffix(12))",
                     sourceLocation: sourceLocation)
    }

    /// Carries out actions until the next one is a poll, which it takes without
    /// carrying it out (a test then plays what happens inside that poll).
    mutating func stepUntilPoll(limit: Int = 100, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        for _ in 0..<limit {
            let action = machine.nextAction(now: now)
            if case .poll = action { return true }
            actions.append(Self.name(action))
            perform(action, sourceLocation: sourceLocation)
        }
        Issue.record("no poll within \(limit) steps", sourceLocation: sourceLocation)
        return false
    }

    /// The actions carried out, less the flusher-report collection every round has.
    var pipelineActions: [String] { actions.filter { $0 != "collectFlushReports" } }

    mutating func perform(_ action: TestMachine.Action, sourceLocation: SourceLocation = #_sourceLocation) {
        switch action {
        case .reportStatus, .revocationDrained, .stop:
            if case .stop(let complete) = action { stopped = complete }
            if case .revocationDrained(let complete) = action { revocationComplete = complete }
        case .collectFlushReports:
            collectFlushReports()
        case .handToFlusher(let job):
            checkCheckpoints(job, sourceLocation: sourceLocation)
            if flusherJob != nil {
                machine.flusherRefused(job)
            } else {
                flusherJob = job
                handedCheckpoints.append(job.checkpoints)
            }
        case .commit(let offsets):
            #expect(flushedJobs.contains { $0.checkpoints == offsets },
                    "a commit of checkpoints no flushed job holds", sourceLocation: sourceLocation)
            commits.append(offsets)
        case .pauseConsumption: paused = true
        case .resumeConsumption: paused = false
        case .produceGroupReads(let records):
            unacknowledged.formUnion(records.map(\.ticket))
        case .awaitDeliveries(let timeoutMs):
            guard brokerAcknowledges else {
                now += Int64(timeoutMs)  // waited in vain
                return
            }
            if var random = partialAcknowledgements {
                // Some reports come now, the others later.
                acknowledge(unacknowledged.sorted().filter { _ in random.chance(1, in: 2) })
                partialAcknowledgements = random
            } else {
                acknowledgeAll()
            }
        case .poll:
            let records = toPoll.isEmpty ? nil : toPoll.removeFirst()
            for (partition, range) in records?.offsets ?? [:] { polled[partition, default: []].append(range) }
            machine.polled(records)
        case .decode(let records, let keeping):
            decodedKeeping.append(keeping)
            decode(records, keeping: keeping)
        case .narrow(let batch, let keeping):
            decode(batch.records, keeping: keeping)
        case .cut(let batch, let following):
            cuts += 1
            machine.cut(into: batch.records.halves() + (following.map { [$0.records] } ?? []))
        case .sendRead(let batch):
            machine.readSent(batch)
        case .collectRead(let batch):
            if readKeepsFailing { return machine.readAbandoned() }
            if let limit = maxRecordsPerRead, batch.records.count > max(1, limit) {
                return machine.readTooLarge(batch)
            }
            if redisLosesItsData {
                redisLosesItsData = false
                return machine.readFoundRedisLost(batch)
            }
            let summary = TestMachine.AppliedSummary(
                changes: Self.changes(of: batch.id), groupReads: groupReads[batch.id] ?? [],
                outgoingRecords: outgoingRecords[batch.id] ?? 1)
            machine.applied(batch, summary, writeSent: !writeSendFails)
            writeSendFails = false
        case .confirmWrite:
            if writeKeepsFailing { machine.writeAbandoned() } else { machine.writeConfirmed() }
        case .announce(let batch, let tickets):
            #expect(announced[batch.id] == nil, "batch \(batch.id) announced twice", sourceLocation: sourceLocation)
            for (partition, range) in batch.records.offsets {
                let before = announced.values.compactMap { $0.records.offsets[partition]?.upperBound }.max() ?? -1
                #expect(range.lowerBound > before,
                        "records \(range) of \(partition.partition) announced after \(before): out of order or twice",
                        sourceLocation: sourceLocation)
            }
            announceOrder.append(batch.id)
            announced[batch.id] = (batch.records, Array(tickets), Self.changes(of: batch.id))
            unacknowledged.formUnion(tickets)
        case .reseed:
            reseeds += 1
            if reseedKeepsFailing { machine.reseedAbandoned() } else { machine.reseeded() }
        case .awaitFlusher(let timeoutMs):
            if !postgresUp { now += Int64(timeoutMs) }
            if postgresUp, let job = flusherJob { finishFlush(job) }
            collectFlushReports()
        }
    }

    mutating func acknowledgeAll() {
        machine.delivered(unacknowledged.sorted())
        acknowledgedTickets.formUnion(unacknowledged)
        unacknowledged.removeAll()
    }

    mutating func acknowledge(_ tickets: [UInt64]) {
        machine.delivered(tickets)
        acknowledgedTickets.formUnion(tickets)
        unacknowledged.subtract(tickets)
    }

    /// The flusher stores its job now (it reports at the next collection).
    mutating func finishFlush(_ job: FlushJob) {
        flushedJobs.append(job)
        flusherJob = nil
        pendingReports.append(job)
    }

    private var pendingReports: [FlushJob] = []

    private mutating func collectFlushReports() {
        if postgresUp, let job = flusherJob { finishFlush(job) }
        for job in pendingReports { machine.flushed(job) }
        pendingReports.removeAll()
    }

    private mutating func decode(_ records: TestRecords, keeping: Set<TopicPartition>?) {
        let kept = records.offsets.filter { keeping?.contains($0.key) ?? true }
        guard !kept.isEmpty else { return machine.decoded(nil, nextOffsets: [:]) }
        let batch = TestBatch(id: nextBatchID, records: TestRecords(offsets: kept))
        nextBatchID += 1
        machine.decoded(batch, nextOffsets: kept.mapValues { $0.upperBound + 1 })
    }

    /// The invariant: a checkpoint covers only records of announced batches whose
    /// tickets are all acknowledged and whose changes are in this job or an earlier
    /// flushed one; and it never passes a record that was not announced.
    private func checkCheckpoints(_ job: FlushJob, sourceLocation: SourceLocation) {
        var durable = job.changes
        for earlier in flushedJobs { durable.merge(earlier.changes) }
        for (partition, next) in job.checkpoints {
            for (id, batch) in announced {
                guard let range = batch.records.offsets[partition], range.lowerBound < next else { continue }
                #expect(range.upperBound < next, "checkpoint \(next) splits batch \(id)", sourceLocation: sourceLocation)
                #expect(batch.tickets.allSatisfy(acknowledgedTickets.contains),
                        "checkpoint \(next) of \(partition.partition) covers batch \(id) with unacknowledged records",
                        sourceLocation: sourceLocation)
                #expect(durable.maxSeqs[IDKey("batch-\(id)")] != nil,
                        "checkpoint \(next) covers batch \(id) whose state is not flushed", sourceLocation: sourceLocation)
            }
            let announcedRanges = announced.values.compactMap { $0.records.offsets[partition] }
            for range in polled[partition] ?? [] where range.lowerBound < next {
                let unannounced = (range.lowerBound...min(range.upperBound, next - 1)).filter { offset in
                    !announcedRanges.contains { $0.contains(offset) }
                }
                #expect(unannounced.isEmpty,
                        "checkpoint \(next) of \(partition.partition) passes records \(unannounced) never announced",
                        sourceLocation: sourceLocation)
            }
        }
    }

    static func name(_ action: TestMachine.Action) -> String {
        switch action {
        case .reportStatus: "reportStatus"
        case .collectFlushReports: "collectFlushReports"
        case .handToFlusher: "handToFlusher"
        case .commit: "commit"
        case .pauseConsumption: "pauseConsumption"
        case .resumeConsumption: "resumeConsumption"
        case .produceGroupReads: "produceGroupReads"
        case .awaitDeliveries: "awaitDeliveries"
        case .poll: "poll"
        case .decode: "decode"
        case .narrow: "narrow"
        case .cut: "cut"
        case .sendRead: "sendRead"
        case .collectRead: "collectRead"
        case .confirmWrite: "confirmWrite"
        case .announce: "announce"
        case .reseed: "reseed"
        case .awaitFlusher: "awaitFlusher"
        case .revocationDrained: "revocationDrained"
        case .stop: "stop"
        }
    }
}
