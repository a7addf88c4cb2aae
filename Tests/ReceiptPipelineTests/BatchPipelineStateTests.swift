import ReceiptCore
import ReceiptKafka
@testable import ReceiptPipeline
import Testing
import TestSupport

/// The batch pipeline's state machine, with no network: each test drives the
/// orderings that matter and asserts the actions. `PipelineWorld` checks on every
/// checkpoint that it covers only records that were applied, flushed and whose
/// every record was acknowledged.
@Suite("The batch pipeline's state machine")
struct BatchPipelineStateTests {
    static let p0 = TopicPartition(topic: "events", partition: 0)
    static let p1 = TopicPartition(topic: "events", partition: 1)
    let p0 = Self.p0, p1 = Self.p1

    /// A world owning `partitions`, with `polls` to come.
    func world(_ polls: [[TopicPartition: ClosedRange<Int64>]], owning partitions: [TopicPartition] = [p0, p1],
               configuration: TestMachine.Configuration = .init()) -> PipelineWorld {
        var world = PipelineWorld(configuration: configuration)
        world.machine.assigned(partitions, checkpoints: [:])
        world.toPoll = polls.map(TestRecords.init)
        return world
    }

    /// Steps to the next hand-off to the flusher, with time moving on a flush interval.
    func nextHandOff(_ world: inout PipelineWorld) -> FlushJob? {
        world.now += 1_000
        for _ in 0..<100 {
            if case .handToFlusher(let job) = world.step() { return job }
        }
        Issue.record("no hand-off to the flusher; last actions: \(world.actions.suffix(12))")
        return nil
    }

    @Test("a batch is decoded while the one before is read, and announced behind the next read")
    func stagesOverlap() {
        var world = world([[p0: 0...9], [p0: 10...19], [p0: 20...29]])
        world.run(until: "collectRead")
        #expect(world.pipelineActions == ["poll", "decode", "awaitDeliveries", "poll", "sendRead", "decode",
                                          "awaitDeliveries", "collectRead"])
        world.run(until: "announce")
        // Batch 2's read goes out before batch 1 is announced: batch 1's write is
        // collected while Redis works on it.
        #expect(Array(world.pipelineActions.suffix(5)) == ["awaitDeliveries", "poll", "sendRead", "confirmWrite",
                                                            "announce"])
        #expect(Self.name(world.step()) == "decode", "batch 3 is decoded while Redis still reads batch 2")
        #expect(world.announced.keys.sorted() == [1])
    }

    @Test("no checkpoint covers a batch until the broker acknowledged its records")
    func checkpointWaitsForAcknowledgement() {
        var world = world([[p0: 0...9]])
        world.brokerAcknowledges = false
        world.run(until: "announce")
        let first = nextHandOff(&world)
        #expect(first?.checkpoints.isEmpty == true)
        #expect(first?.changes.maxSeqs["batch-1"] != nil, "its state is flushed all the same")
        world.acknowledgeAll()
        world.run(until: "commit")
        #expect(world.commits.last == [p0: 10])
    }

    @Test("flushed state is still re-seeded until a writer check passes after the flush: another replica's re-seed may have read PostgreSQL before it committed")
    func flushedStateStaysSeedableUntilRedisIsConfirmed() {
        var world = world([[p0: 0...9]])
        world.run(until: "announce")
        let job = nextHandOff(&world)
        #expect(job?.changes.maxSeqs["batch-1"] != nil)
        world.run(until: "collectFlushReports")
        world.run(until: "collectFlushReports")  // the flushed job is reported
        #expect(world.flushedJobs.count == 1 && world.machine.pending.flushing == nil)
        #expect(world.machine.pending.all.maxSeqs["batch-1"] != nil, "still added to a rebuilt Redis")
        world.machine.redisConfirmed()
        #expect(world.machine.pending.all.maxSeqs["batch-1"] == nil, "Redis held it at a check after the flush")
    }

    @Test("the flusher's reports are collected every round, so a flushed job frees the next hand-off at once")
    func flushReportsEveryRound() {
        var world = world([[p0: 0...9]])
        world.run(until: "announce")
        world.run(until: "awaitDeliveries")
        _ = nextHandOff(&world)
        let rounds = world.actions.count
        world.run(until: "poll")
        world.run(until: "poll")
        #expect(world.actions[rounds...].contains("collectFlushReports"))
        #expect(world.commits.last == [p0: 10], "committed within the round, not a status interval later")
    }

    @Test("an acknowledged batch stays unchecked behind an earlier one whose delivery failed")
    func laterBatchWaitsBehindEarlierOne() {
        var world = world([[p0: 0...9], [p0: 10...19]])
        world.brokerAcknowledges = false
        world.run(until: "announce")
        let firstTickets = world.announced[1]!.tickets
        world.toPoll = [TestRecords(offsets: [p0: 20...29])]
        world.run(until: "announce")
        world.acknowledge(world.announced[2]!.tickets)
        #expect(nextHandOff(&world)?.checkpoints.isEmpty == true)
        world.acknowledge(firstTickets)  // sent again, and acknowledged now
        world.run(until: "commit")
        #expect(world.commits.last == [p0: 20])
    }

    @Test("a write that could not be sent is written before anything else reaches Redis")
    func unsentWriteGoesFirst() {
        var world = world([[p0: 0...9], [p0: 10...19], [p0: 20...29]])
        world.run(until: "sendRead")
        world.writeSendFails = true
        world.run(until: "collectRead")
        #expect(Self.name(world.step()) == "confirmWrite")
    }

    @Test("a revocation inside a poll drains the applied batch, then narrows the decoded one to what is still owned")
    func revocationMidPoll() {
        var world = world([[p0: 0...4, p1: 0...4], [p0: 5...9, p1: 5...9]])
        world.run(until: "collectRead")  // batch 1 applied, batch 2 decoded
        // The next poll runs the rebalance callback before it returns.
        guard world.stepUntilPoll() else { return }
        world.machine.revoked([p1], now: world.now)
        var drained: [String] = []
        while true {
            let action = world.machine.nextAction(now: world.now)
            drained.append(PipelineWorld.name(action))
            if case .revocationDrained(let complete) = action {
                #expect(complete)
                break
            }
            world.perform(action)
        }
        #expect(drained.first == "confirmWrite")
        #expect(drained.contains("announce") && drained.contains("handToFlusher") && drained.contains("commit"))
        #expect(drained.suffix(2) == ["narrow", "revocationDrained"])
        #expect(world.commits.last == [p0: 5, p1: 5])
        #expect(world.machine.owned == [p0])
        world.machine.polled(TestRecords(offsets: [p0: 10...14, p1: 10...14]))
        world.run(until: "decode")
        #expect(world.decodedKeeping.last == [p0], "records polled before the revocation belong to the next owner")
        world.run(until: "announce")
        #expect(world.announced.values.map(\.records).contains(TestRecords(offsets: [p0: 5...9])),
                "what is left of the decoded batch is applied")
        #expect(!world.announced.values.contains { $0.records.offsets[p1].map { $0.lowerBound >= 5 } ?? false },
                "nothing of the revoked partition after the drain is applied")
    }

    @Test("a stop finishes the applied batch, drains and checkpoints it, then stops")
    func stopWithAppliedBatch() {
        var world = world([[p0: 0...9]])
        world.run(until: "collectRead")
        world.machine.stopWasRequested()
        world.run(until: "stop")
        #expect(world.stopped == true)
        #expect(world.actions.contains("announce"))
        #expect(world.commits.last == [p0: 10])
    }

    @Test("a stop while the write is retried drops the batch: nothing after it is announced or checkpointed")
    func stopDropsUnwrittenBatch() {
        var world = world([[p0: 0...9], [p0: 10...19]])
        world.run(until: "announce")
        world.writeKeepsFailing = true
        world.run(until: "collectRead")  // batch 2 applied, its write failing
        world.machine.stopWasRequested()
        world.run(until: "stop")
        #expect(world.stopped == false)
        #expect(world.announced.keys.sorted() == [1])
        #expect(world.commits.last == [p0: 10])
    }

    @Test("a stop while Redis is away drops the batch being read")
    func stopDropsUnreadBatch() {
        var world = world([[p0: 0...9]])
        world.run(until: "sendRead")
        world.readKeepsFailing = true
        world.machine.stopWasRequested()
        world.run(until: "stop")
        #expect(world.stopped == false)
        #expect(world.announced.isEmpty)
        #expect(world.handedCheckpoints.allSatisfy { $0.isEmpty })
    }

    @Test("Redis that lost its data mid-batch is re-seeded before the batch is read again")
    func redisLostMidBatch() {
        var world = world([[p0: 0...9]])
        world.run(until: "sendRead")
        world.redisLosesItsData = true
        world.run(until: "collectRead")
        #expect(Self.name(world.step()) == "reseed")
        #expect(Self.name(world.step()) == "collectRead", "the same batch, read again")
        world.run(until: "announce")
        #expect(world.announced[1]?.records == TestRecords(offsets: [p0: 0...9]))
        world.run(until: "commit")
        #expect(world.commits.last == [p0: 10])
    }

    @Test("the status check's report that Redis lost its data re-seeds before anything else")
    func redisLostBetweenBatches() {
        var world = world([[p0: 0...9]])
        world.run(until: "decode")
        world.machine.redisLost()
        #expect(Self.name(world.step()) == "reseed")
        #expect(world.reseeds == 1)
    }

    @Test("a stop during a re-seed drops the batch waiting to be read")
    func stopDuringReseed() {
        var world = world([[p0: 0...9]])
        world.run(until: "sendRead")
        world.redisLosesItsData = true
        world.reseedKeepsFailing = true
        world.machine.stopWasRequested()
        world.run(until: "stop")
        #expect(world.stopped == false)
        #expect(world.announced.isEmpty)
        #expect(world.handedCheckpoints.allSatisfy { $0.isEmpty })
    }

    @Test("a batch whose group reads wait in a window is checkpointed only once the window's records are acknowledged")
    func groupReadHoldAcrossWindows() {
        var world = world([[p0: 0...9]])
        world.groupReads[1] = [GroupRead(conversationID: "g", sessionType: .group, userID: "u", hasReadSeq: 3,
                                         sourceEventID: "e")]
        world.run(until: "announce")
        world.run(until: "awaitDeliveries")  // the batch's own records are acknowledged
        let beforeWindow = nextHandOff(&world)
        #expect(beforeWindow?.checkpoints.isEmpty == true)
        world.run(until: "produceGroupReads")
        world.run(until: "commit")
        #expect(world.commits.last == [p0: 10])
    }

    @Test("with PostgreSQL away the backlog pauses consumption, and a flush resumes it")
    func backlogPausesAndResumes() {
        var configuration = TestMachine.Configuration()
        configuration.maxUnflushedRows = 3
        var world = backlogWithPostgresAway(configuration)
        #expect(world.paused)
        #expect(world.commits.isEmpty)
        resume(&world)
        #expect(!world.paused)
        #expect(!world.commits.isEmpty)
    }

    @Test("a backlog of few rows pauses consumption once it weighs the byte bound")
    func backlogPausesByBytes() {
        var configuration = TestMachine.Configuration()
        configuration.maxUnflushedRows = 1_000
        configuration.maxUnflushedBytes = 2 * (StateChanges.bytesPerRow + "batch-0".utf8.count) + 1
        var world = backlogWithPostgresAway(configuration)
        #expect(world.paused)
        #expect(world.machine.pending.changes.rowCount < 10)
        #expect(world.machine.pending.changesBytes >= configuration.maxUnflushedBytes)
        resume(&world)
        #expect(!world.paused)
    }

    /// Eight batches polled while PostgreSQL is away, stepped 50 ms at a time until
    /// consumption pauses (at most 400 steps).
    private func backlogWithPostgresAway(_ configuration: TestMachine.Configuration) -> PipelineWorld {
        var world = world((0..<8).map { [p0: Int64($0 * 10)...Int64($0 * 10 + 9)] }, configuration: configuration)
        world.postgresUp = false
        for _ in 0..<400 where !world.paused {
            world.now += 50
            world.step()
        }
        return world
    }

    /// PostgreSQL back, stepped until consumption resumes (at most 400 steps).
    private func resume(_ world: inout PipelineWorld) {
        world.postgresUp = true
        for _ in 0..<400 where world.paused {
            world.now += 50
            world.step()
        }
    }

    @Test("a batch whose read is too large is cut in halves, read part by part and announced in order, before the batch after it")
    func tooLargeReadIsCut() {
        var world = world([[p0: 0...7, p1: 0...3], [p0: 8...9]])
        world.maxRecordsPerRead = 3
        step(&world, until: { $0.announcedEnd(Self.p0) == 9 && $0.announcedEnd(Self.p1) == 3 })
        #expect(world.cuts >= 3, "12 records, at most 3 a read: cut at least three times")
        #expect(world.announced.values.allSatisfy { $0.records.count <= 3 })
        // Every record once, in order (PipelineWorld checks both as it announces).
        #expect(world.announced.values.reduce(0) { $0 + $1.records.count } == 14)
        let order = world.announceOrder.map { world.announced[$0]!.records }
        let lastOfFirstPoll = order.lastIndex { $0.offsets[Self.p1] != nil || $0.offsets[Self.p0]!.upperBound <= 7 }
        let firstOfSecondPoll = order.firstIndex { ($0.offsets[Self.p0]?.lowerBound ?? -1) >= 8 }
        #expect(lastOfFirstPoll! < firstOfSecondPoll!, "the next poll's batch waits for every part: \(order)")
        world.run(until: "commit", limit: 400)
        step(&world, until: { $0.commits.last == [Self.p0: 10, Self.p1: 4] })
    }

    @Test("while consumption is paused a cut batch's parts wait, and records polled meanwhile go after them")
    func cutPartsWaitWhilePaused() {
        var configuration = TestMachine.Configuration()
        configuration.maxUnflushedRows = 2
        var world = world([[p0: 0...7], [p0: 8...9]], configuration: configuration)
        world.maxRecordsPerRead = 1
        world.postgresUp = false
        step(&world, until: \.paused)
        let announcedWhenPaused = world.announced.count
        for _ in 0..<200 {
            world.now += 50
            world.step()
        }
        #expect(world.paused)
        #expect(world.announced.count <= announcedWhenPaused + 1, "at most the batch applied before the pause")
        #expect(world.toPoll.isEmpty, "polling goes on while paused (the group needs it)")
        world.postgresUp = true
        step(&world, until: { $0.announcedEnd(Self.p0) == 9 })
        #expect(world.announced.values.allSatisfy { $0.records.count == 1 })
    }

    @Test("a stop drops the parts of a cut batch still waiting, and no checkpoint passes them")
    func stopDropsCutParts() {
        var world = world([[p0: 0...7]])
        world.maxRecordsPerRead = 2
        step(&world, until: { $0.announced.count == 1 })
        world.machine.stopWasRequested()
        world.run(until: "stop", limit: 400)
        #expect(world.stopped == true)
        let end = world.announcedEnd(Self.p0)!
        #expect(end < 7, "parts were still waiting when the stop came")
        #expect(world.handedCheckpoints.compactMap { $0[Self.p0] }.max() == end + 1)
    }

    /// Steps (20 ms each) until `done` holds, at most 1,000 steps.
    private func step(_ world: inout PipelineWorld, until done: (PipelineWorld) -> Bool,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        for _ in 0..<1_000 {
            if done(world) { return }
            world.now += 20
            world.step()
        }
        Issue.record("not reached; last actions: \(world.actions.suffix(12))", sourceLocation: sourceLocation)
    }

    @Test("random orderings of polls, acknowledgements, flushes, failures, a revocation and a stop keep the invariant",
          arguments: 1...300)
    func randomOrderingsKeepTheInvariant(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var world = world([])
        world.partialAcknowledgements = SplitMix64(seed: seed &* 31)
        var nextOffset: [TopicPartition: Int64] = [p0: 0, p1: 0]
        var owned: Set<TopicPartition> = [p0, p1]
        var revoked = false
        var writeFailuresLeft = 3
        if random.chance(1, in: 3) { world.maxRecordsPerRead = Int(random.next(below: 4)) + 1 }
        for _ in 0..<Int(random.next(below: 300) + 50) {
            if random.chance(1, in: 3) {
                var offsets: [TopicPartition: ClosedRange<Int64>] = [:]
                for partition in owned where random.chance(2, in: 3) {
                    let count = Int64(random.next(below: 5) + 1)
                    offsets[partition] = nextOffset[partition]!...(nextOffset[partition]! + count - 1)
                    nextOffset[partition]! += count
                }
                if !offsets.isEmpty { world.toPoll.append(TestRecords(offsets: offsets)) }
            }
            if random.chance(1, in: 5) { world.brokerAcknowledges.toggle() }
            if random.chance(1, in: 6) { world.postgresUp.toggle() }
            if random.chance(1, in: 25) { world.redisLosesItsData = true }
            if random.chance(1, in: 10), writeFailuresLeft > 0 {
                world.writeSendFails = true
                writeFailuresLeft -= 1
            }
            let batch = world.nextBatchID
            world.outgoingRecords[batch] = Int(random.next(below: 4))
            if random.chance(1, in: 3) {
                world.groupReads[batch] = [GroupRead(conversationID: "g\(random.next(below: 3))", sessionType: .group,
                                                     userID: "u", hasReadSeq: 1, sourceEventID: "e")]
            }
            world.now += Int64(random.next(below: 400))
            let action = world.machine.nextAction(now: world.now)
            if case .poll = action, !revoked, random.chance(1, in: 10) {
                // The rebalance callback runs inside this poll.
                revoked = true
                owned = [p0]
                world.machine.revoked([p1], now: world.now)
                world.drainRevocation()
                world.machine.polled(world.toPoll.isEmpty ? nil : world.toPoll.removeFirst())
                world.toPoll = world.toPoll.map { TestRecords(offsets: $0.offsets.filter { $0.key == Self.p0 }) }
                    .filter { !$0.offsets.isEmpty }
            } else {
                world.perform(action)
            }
        }
        world.brokerAcknowledges = true
        world.partialAcknowledgements = nil
        world.postgresUp = true
        world.machine.stopWasRequested()
        world.run(until: "stop", limit: 2_000)
        #expect(world.stopped == true, "seed \(seed): everything up, yet the stop did not drain")
        // Everything announced in a partition still owned is checkpointed.
        let announcedEnd = world.announced.values.compactMap { $0.records.offsets[Self.p0]?.upperBound }.max()
        let durable = world.flushedJobs.compactMap { $0.checkpoints[Self.p0] }.max()
        #expect(announcedEnd.map { $0 + 1 } == durable, "seed \(seed)")
    }

    static func name(_ action: TestMachine.Action) -> String { PipelineWorld.name(action) }
}

extension PipelineWorld {
    /// The last offset of `partition` announced; nil when none was.
    func announcedEnd(_ partition: TopicPartition) -> Int64? {
        announced.values.compactMap { $0.records.offsets[partition]?.upperBound }.max()
    }

    /// Carries out actions until the revocation's drain is over.
    mutating func drainRevocation() {
        for _ in 0..<500 {
            let action = machine.nextAction(now: now)
            if case .revocationDrained = action { return }
            perform(action)
        }
        Issue.record("the revocation did not drain")
    }
}
