import Foundation
import ReceiptRedis
import Testing
import TestSupport

/// Nothing lost, nothing handed out twice: randomized event logs run through real
/// workers that crash, lose Redis, lose PostgreSQL for a while and rebalance, and
/// the final state in Redis, PostgreSQL and the notify topic must equal the
/// reference model's.
@Suite("Nothing lost", .serialized)
struct DurabilityTests {
    static let seeds: [UInt64] = [1, 2, UInt64.random(in: 3...UInt64.max)]

    @Test("random event logs end in exactly the reference model's state", arguments: seeds)
    func randomLogsEndInTheModelsState(seed: UInt64) async throws {
        let topics = try TestTopics.create()
        let group = TestStack.uniqueName("model")
        let log = EventLog.random(seed: seed, count: 1_500, conversations: 24, prefix: TestStack.uniqueName("m"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: try TestStack.postgresURL())
        let worker = try RunningWorker.start(topics: topics, group: group)
        try await onOwnThread { try driver.produce(log, chunks: 5, pauseMs: 20) }
        try await driver.waitUntilCheckpointed(log.entries.count)
        try await worker.stop()
        try await expectModelState(log, driver: driver, redisURL: TestStack.redisURL(),
                                   postgresURL: TestStack.postgresURL(), seed: seed)
    }

    @Test("workers killed with SIGKILL mid-stream lose nothing and hand out no seq twice")
    func crashedWorkersLoseNothing() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let topics = try TestTopics.create()
        let group = TestStack.uniqueName("crash")
        let log = EventLog.random(seed: seed, count: 6_000, conversations: 40, prefix: TestStack.uniqueName("k"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: try TestStack.postgresURL())
        let redisURL = try TestStack.redisURL(), postgresURL = try TestStack.postgresURL()
        // 36 s of stream: on a loaded machine a worker's first checkpoint has been
        // seen to take 15 s, and two of them must die before the stream ends.
        let stream = Task { try await onOwnThread { try driver.produce(log, chunks: 120, pauseMs: 300) } }
        var generator = SplitMix64(seed: seed)
        var crashes = 0
        // Each worker makes progress (a checkpoint moves), then dies at a random
        // moment, while the stream still flows.
        while crashes < 4, try await driver.checkpointed() < log.entries.count {
            let before = try await driver.checkpointed()
            let worker = try WorkerProcess(topics: topics, group: group, redisURL: redisURL, postgresURL: postgresURL)
            try await waitUntil("the worker to checkpoint something", timeout: .seconds(30)) {
                try await driver.checkpointed() > before
            }
            try await Task.sleep(for: .milliseconds(Int(generator.next() % 1_500)))
            worker.crash()
            crashes += 1
        }
        #expect(crashes >= 2, "workers crashed mid-stream \(crashes) times")
        try await stream.value
        let survivor = try WorkerProcess(topics: topics, group: group, redisURL: redisURL, postgresURL: postgresURL)
        try await survivor.waitUntilAssigned()
        try await driver.waitUntilCheckpointed(log.entries.count)
        #expect(survivor.terminate() == 0, "the last worker exits cleanly on SIGTERM: \(survivor.logTail)")
        try await expectModelState(log, driver: driver, redisURL: redisURL, postgresURL: postgresURL, seed: seed)
    }

    @Test("Redis losing all its data mid-stream (FLUSHALL, then a restart) is re-seeded and nothing is lost")
    func redisDataLossIsReseeded() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let topics = try TestTopics.create(brokers: stack.brokers)
        let group = TestStack.uniqueName("redisloss")
        let log = EventLog.random(seed: seed, count: 4_000, conversations: 30, prefix: TestStack.uniqueName("r"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)
        let worker = try RunningWorker.start(topics: topics, group: group, redisURL: stack.redisURL,
                                             postgresURL: stack.postgresURL)
        let stream = Task { try await onOwnThread { try driver.produce(log, chunks: 40, pauseMs: 250) } }
        try await Task.sleep(for: .seconds(2))
        try await onOwnThread {
            let redis = try RedisConnection.connect(try RedisEndpoint(url: stack.redisURL), timeoutMs: 5_000)
            _ = try redis.execute(.flushall)
        }
        try await Task.sleep(for: .seconds(1))
        try await onOwnThread { try stack.restartRedis() }
        #expect(!stream.isCancelled)
        try await stream.value
        try await driver.waitUntilCheckpointed(log.entries.count)
        let model = log.model
        try await waitUntil("Redis to be re-seeded", timeout: .seconds(30)) {
            try await onOwnThread { try StateCheck.redis(model, url: stack.redisURL).isEmpty }
        }
        try await worker.stop()
        try await expectModelState(log, driver: driver, redisURL: stack.redisURL, postgresURL: stack.postgresURL,
                                   seed: seed)
    }

    @Test("a PostgreSQL restart mid-stream loses nothing and the worker's memory stays bounded")
    func postgresRestartLosesNothing() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let topics = try TestTopics.create(brokers: stack.brokers)
        let group = TestStack.uniqueName("pgrestart")
        let log = EventLog.random(seed: seed, count: 4_000, conversations: 30, prefix: TestStack.uniqueName("p"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)
        let worker = try WorkerProcess(topics: topics, group: group, redisURL: stack.redisURL,
                                       postgresURL: stack.postgresURL)
        try await worker.waitUntilAssigned()
        let stream = Task { try await onOwnThread { try driver.produce(log, chunks: 30, pauseMs: 150) } }
        try await Task.sleep(for: .seconds(3))
        try await onOwnThread { try stack.restartPostgres() }
        var peak = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while worker.isRunning, ContinuousClock.now < deadline {
            peak = max(peak, worker.residentBytes ?? 0)
            if (try? await driver.waitUntilCheckpointed(log.entries.count, timeout: .milliseconds(300))) != nil { break }
        }
        try await stream.value
        try await driver.waitUntilCheckpointed(log.entries.count)
        #expect(worker.terminate() == 0, "the worker exits cleanly on SIGTERM: \(worker.logTail)")
        #expect(peak > 0 && peak < 200 * 1024 * 1024, "peak resident memory \(peak / 1024 / 1024) MB")
        try await expectModelState(log, driver: driver, redisURL: stack.redisURL, postgresURL: stack.postgresURL,
                                   seed: seed)
    }

    @Test("SIGTERM mid-stream exits 0 within the deadline after a final checkpoint, and a successor loses nothing")
    func terminatedMidStreamCheckpointsAndExits() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let topics = try TestTopics.create()
        let group = TestStack.uniqueName("sigterm")
        let log = EventLog.random(seed: seed, count: 3_000, conversations: 30, prefix: TestStack.uniqueName("t"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: try TestStack.postgresURL())
        let redisURL = try TestStack.redisURL(), postgresURL = try TestStack.postgresURL()
        let worker = try WorkerProcess(topics: topics, group: group, redisURL: redisURL, postgresURL: postgresURL)
        try await worker.waitUntilAssigned()
        let stream = Task { try await onOwnThread { try driver.produce(log, chunks: 30, pauseMs: 200) } }
        try await waitUntil("the worker to checkpoint something") { try await driver.checkpointed() > 0 }
        let started = ContinuousClock.now
        let status = await Task.detached { worker.terminate() }.value
        let elapsed = ContinuousClock.now - started
        #expect(status == 0, "exit status on SIGTERM: \(worker.logTail)")
        #expect(elapsed < .seconds(30), "shutdown took \(elapsed)")
        #expect(worker.logTail.contains("worker stopped"))
        let checkpointed = try await driver.checkpointed()
        #expect(checkpointed > 0)

        let successor = try WorkerProcess(topics: topics, group: group, redisURL: redisURL, postgresURL: postgresURL)
        try await stream.value
        try await driver.waitUntilCheckpointed(log.entries.count)
        #expect(successor.terminate() == 0)
        try await expectModelState(log, driver: driver, redisURL: redisURL, postgresURL: postgresURL, seed: seed)
    }

    @Test("two workers in one group, one leaving mid-stream, lose nothing")
    func rebalanceLosesNothing() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let topics = try TestTopics.create(partitions: 4)
        let group = TestStack.uniqueName("rebalance")
        let log = EventLog.random(seed: seed, count: 4_000, conversations: 30, prefix: TestStack.uniqueName("b"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: try TestStack.postgresURL())
        let first = try RunningWorker.start(topics: topics, group: group)
        let second = try RunningWorker.start(topics: topics, group: group)
        let stream = Task { try await onOwnThread { try driver.produce(log, chunks: 30, pauseMs: 150) } }
        // The group settles before one leaves: Tansu 0.6.0 keeps a leader that leaves
        // between its JoinGroup and SyncGroup as the leader for good, and the group never
        // assigns again (reproduced outside the tests; a real Kafka elects a new one).
        try await first.waitUntilAssigned()
        try await second.waitUntilAssigned()
        try await Task.sleep(for: .seconds(1))
        try await first.stop()
        try await stream.value
        try await driver.waitUntilCheckpointed(log.entries.count, workers: [first, second])
        try await second.stop()
        try await expectModelState(log, driver: driver, redisURL: TestStack.redisURL(),
                                   postgresURL: TestStack.postgresURL(), seed: seed)
    }
}
