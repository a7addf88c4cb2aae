import Foundation
import ReceiptRedis
import Testing
import TestSupport

/// A Redis that goes back in time (a restart from an older snapshot, a restored
/// backup, a failover to a replica that lagged) or loses a counter must never make
/// receiptd give a seq twice or announce a watermark lower than before. Each test
/// runs workers against a stack of its own, breaks its Redis mid-stream while the
/// workers run, and compares everything with the reference model.
@Suite("Redis rollback", .serialized)
struct RedisRollbackTests {
    @Test("Redis restored to an older snapshot under two running workers: no seq twice, no watermark lower")
    func snapshotRollbackUnderRunningWorkers() async throws {
        try await runBroken("snapshot") { stack in
            let snapshot = try await onOwnThread { try RedisSnapshot.take(url: stack.redisURL) }
            #expect(snapshot.keys > 10)
            try await Task.sleep(for: .seconds(2))  // the workers allocate, announce and flush more
            try await onOwnThread { try snapshot.restore(url: stack.redisURL) }
        }
    }

    @Test("a counter deleted behind the workers' backs is noticed; the conversation goes on above its last seq")
    func deletedCounterIsNoticed() async throws {
        try await runBroken("evicted") { stack in
            try await onOwnThread {
                let redis = try RedisConnection.connect(try RedisEndpoint(url: stack.redisURL), timeoutMs: 5_000)
                let counters = try redis.execute(RedisCommand(["KEYS", "rcpt:{*}:seq"])).array?.compactMap(\.string) ?? []
                #expect(counters.count > 5)
                for counter in counters.prefix(5) { _ = try redis.execute(RedisCommand(["DEL", counter])) }
            }
        }
    }

    @Test("a Redis older than the last flush, found by workers started after it: rebuilt before anything is read")
    func rollbackOlderThanTheLastFlush() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let topics = try TestTopics.create(brokers: stack.brokers)
        let group = TestStack.uniqueName("oldredis")
        let log = EventLog.random(seed: seed, count: 3_000, conversations: 24, prefix: TestStack.uniqueName("o"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)
        let first = try RunningWorker.start(topics: topics, group: group, redisURL: stack.redisURL,
                                            postgresURL: stack.postgresURL)
        let half = log.entries.count / 2
        try await onOwnThread { try driver.produce(log, range: 0..<(half / 2), chunks: 5, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(half / 2, workers: [first])
        let snapshot = try await onOwnThread { try RedisSnapshot.take(url: stack.redisURL) }
        try await onOwnThread { try driver.produce(log, range: (half / 2)..<half, chunks: 5, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(half, workers: [first])
        try await first.stop()
        // Every replica down; Redis comes back with the older state, its sentinel intact.
        try await onOwnThread { try snapshot.restore(url: stack.redisURL) }
        let second = try RunningWorker.start(topics: topics, group: group, redisURL: stack.redisURL,
                                             postgresURL: stack.postgresURL)
        try await onOwnThread { try driver.produce(log, range: half..<log.entries.count, chunks: 10, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(log.entries.count, workers: [second])
        try await waitForModel(log, stack: stack)
        try await second.stop()
        try await expectModelState(log, driver: driver, redisURL: stack.redisURL, postgresURL: stack.postgresURL,
                                   seed: seed, inOrder: true)
    }

    /// Streams a random log through two workers on a private stack, calls `breakRedis`
    /// mid-stream, then expects the model's state and nothing announced out of order.
    private func runBroken(_ name: String, _ breakRedis: (PrivateStack) async throws -> Void) async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let topics = try TestTopics.create(brokers: stack.brokers)
        let group = TestStack.uniqueName(name)
        let log = EventLog.random(seed: seed, count: 4_000, conversations: 30, prefix: TestStack.uniqueName(name))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)
        let workers = try (0..<2).map { _ in
            try RunningWorker.start(topics: topics, group: group, redisURL: stack.redisURL, postgresURL: stack.postgresURL)
        }
        let stream = Task { try await onOwnThread { try driver.produce(log, chunks: 40, pauseMs: 200) } }
        try await waitUntil("the workers to checkpoint a fifth of the log", timeout: .seconds(60)) {
            // The first checkpoints table comes with the workers' migration.
            (try? await driver.checkpointed()) ?? 0 >= log.entries.count / 5
        }
        try await breakRedis(stack)
        try await stream.value
        try await driver.waitUntilCheckpointed(log.entries.count, workers: workers)
        try await waitForModel(log, stack: stack)
        for worker in workers { try await worker.stop() }
        try await expectModelState(log, driver: driver, redisURL: stack.redisURL, postgresURL: stack.postgresURL,
                                   seed: seed, inOrder: true)
    }

    private func waitForModel(_ log: EventLog, stack: PrivateStack) async throws {
        let model = log.model
        // Waited for, not required: `expectModelState` reports what differs.
        try? await waitUntil("Redis to hold the model's state", timeout: .seconds(30)) {
            try await onOwnThread { try StateCheck.redis(model, url: stack.redisURL).isEmpty }
        }
    }
}
