import Foundation
import ReceiptCore
import ReceiptRedis
import Testing
import TestSupport

/// Workers on a Redis Cluster (3 primaries, 3 replicas of the test's own) end
/// with the reference model's state, and a primary killed mid-stream (its replica
/// promoted, possibly behind it) gives no seq twice.
///
/// Part of the serialized rollback suite: each test runs a stack and a cluster of
/// its own, too much beside another such suite on two cores.
extension RedisRollbackTests {
    @Test("two workers on a Redis Cluster end with the model's state, nothing announced out of order")
    func workersOnAClusterMatchTheModel() async throws {
        try await runOnCluster("cluster") { _, _ in }
    }

    @Test("a cluster primary killed mid-stream: its replica is promoted, no seq is given twice and the state is the model's")
    func aClusterPrimaryKilledMidStream() async throws {
        try await runOnCluster("clusterfail") { nodes, _ in
            // The primary serving the most conversations' slots dies with no warning.
            let victim = try nodes.primary(of: RedisHashSlot.of("x"))
            try await onOwnThread { try nodes.waitUntilReplicasSynced() }  // else its replica may not take over
            victim.kill()
            try await onOwnThread { try nodes.waitUntilHealthy(timeout: .seconds(60)) }
        }
    }

    @Test("a cluster primary killed mid-stream with --redis-wait-replicas 1: no seq is given twice and the state is the model's")
    func aClusterPrimaryKilledMidStreamWithWait() async throws {
        try await runOnCluster("clusterwait", waitReplicas: 1) { nodes, _ in
            let victim = try nodes.primary(of: RedisHashSlot.of("x"))
            try await onOwnThread {
                try nodes.waitUntilReplicasSynced()
                victim.crash()
                try nodes.waitUntilHealthy(timeout: .seconds(60))
                // The promoted replica has no replica of its own, so no WAIT there can
                // succeed (the workers hold) until the crashed node is back, as one.
                try victim.start()
                try nodes.waitUntilHealthy(timeout: .seconds(60))
                try nodes.waitUntilReplicasSynced()
            }
        }
    }

    @Test("with --redis-wait-replicas 1 on a cluster, a message is not announced while its shard's replica cannot hold its seq, and is once it can")
    func nothingAnnouncedBeyondTheShardsReplica() async throws {
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let nodes = try await onOwnThread { try RedisClusterNodes() }
        let seeds = nodes.servers.map(\.endpoint)
        let topics = try TestTopics.create(partitions: 1, brokers: stack.brokers)
        let worker = try RunningWorker.start(topics: topics, redisURL: nodes.servers[0].url,
                                             postgresURL: stack.postgresURL) {
            $0.redisClusterNodes = seeds
            $0.redisReplicasToWait = 1
            $0.redisReplicaWaitTimeoutMs = 200
        }
        try await expectNothingAnnouncedBeyondTheReplica(
            worker: worker, topics: topics, cid: TestStack.uniqueName("si_clusterwait"),
            replica: { cid in try nodes.replica(of: nodes.primary(of: RedisHashSlot.of(cid))) },
            heldMaxSeq: { replica, cid in
                // A cluster replica answers reads of its primary's slots after READONLY.
                try RedisConnection.connect(replica.endpoint, timeoutMs: 2_000)
                    .pipeline([RedisCommand(["READONLY"]), .get(RedisKeys.maxSeq(cid))])[1].get().string
                    .flatMap { Int64($0) }
            })
    }

    @Test("a cluster primary restarted empty mid-stream (no persistence): its shard lost everything, the state is rebuilt and is the model's")
    func aClusterPrimaryRestartedEmpty() async throws {
        let slot = RedisHashSlot.of("x")
        var shard: Set<Int> = []
        let sentinels = try await runOnCluster("clusterempty", rebuild: true) { nodes, _ in
            let victim = try nodes.primary(of: slot)
            let owner = try nodes.primaryID(of: slot)
            shard = try nodes.slots(of: victim)
            try await onOwnThread {
                try nodes.waitUntilReplicasSynced()
                // Back within the node timeout: still the primary of its slots, empty,
                // and its replica copies the emptiness.
                try victim.restartEmpty()
                try nodes.waitUntilHealthy(timeout: .seconds(60))
            }
            #expect(try nodes.primaryID(of: slot) == owner, "the restarted node should have kept its slots")
        }
        // Only the lost shard was rebuilt: its slots hold a new epoch, every other slot the first.
        let byEpoch = Dictionary(grouping: sentinels.keys) { sentinels[$0]! }
        #expect(byEpoch.count == 2, "two epochs: \(byEpoch.mapValues(\.count))")
        #expect(byEpoch.values.contains { Set($0) == shard }, "the rebuilt slots are the shard's \(shard.count)")
    }

    @Test("3,000 slots resharded mid-stream (redis-cli --cluster reshard): redirections are followed, no loss is seen, the state is the model's")
    func slotsReshardedMidStream() async throws {
        let slot = RedisHashSlot.of("x")
        try await runOnCluster("clusterreshard", rebuild: false) { nodes, _ in
            let source = try nodes.primary(of: slot)
            let before = try nodes.slotCount(of: source)
            try await onOwnThread { try nodes.reshard(count: 3_000, from: slot) }
            #expect(try nodes.slotCount(of: source) == before - 3_000)
        }
    }

    @Test("one shard restored to an older snapshot while its partitions change owners: the successor notices at the takeover, rebuilds, and no seq is given twice")
    func aShardOlderThanTheLastFlushIsNoticedAtTheTakeover() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let nodes = try await onOwnThread { try RedisClusterNodes() }
        let seeds = nodes.servers.map(\.endpoint)
        let topics = try TestTopics.create(brokers: stack.brokers)
        let group = TestStack.uniqueName("clusterold")
        let log = EventLog.random(seed: seed, count: 3_000, conversations: 24, prefix: TestStack.uniqueName("o"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)
        let start = { (status: WorkerStatus) in
            try RunningWorker.start(topics: topics, group: group, redisURL: nodes.servers[0].url,
                                    postgresURL: stack.postgresURL, status: status) { $0.redisClusterNodes = seeds }
        }
        let firstStatus = WorkerStatus()
        let first = try start(firstStatus)
        let half = log.entries.count / 2
        try await onOwnThread { try driver.produce(log, range: 0..<(half / 2), chunks: 5, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(half / 2, workers: [first])
        // The shard serving the most of the log's conversations goes back to here.
        let shard = try Self.busiestPrimary(of: log, in: nodes)
        let snapshot = try await onOwnThread { try RedisSnapshot.take(url: shard.url) }
        #expect(snapshot.keys > 10)
        try await onOwnThread { try driver.produce(log, range: (half / 2)..<half, chunks: 5, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(half, workers: [first])
        let epoch = firstStatus.redisAcknowledgement.map(Self.epochs)
        try await first.stop()
        // Every worker down; one shard comes back with older data, its sentinels intact.
        try await onOwnThread { try snapshot.restore(url: shard.url) }
        let secondStatus = WorkerStatus()
        let second = try start(secondStatus)
        try await onOwnThread { try driver.produce(log, range: half..<log.entries.count, chunks: 10, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(log.entries.count, workers: [second])
        #expect(secondStatus.redisAcknowledgement.map(Self.epochs) != epoch, "the successor rebuilt the shard")
        let model = log.model
        try? await waitUntil("Redis to hold the model's state", timeout: .seconds(30)) {
            try await onOwnThread { try StateCheck.redis(model, url: "", clusterNodes: seeds).isEmpty }
        }
        try await second.stop()
        try await expectModelState(log, driver: driver, redisURL: "", postgresURL: stack.postgresURL, seed: seed,
                                   inOrder: true, redisClusterNodes: seeds)
    }

    /// The primary serving the slots of the most of `log`'s conversations.
    private static func busiestPrimary(of log: EventLog, in nodes: RedisClusterNodes) throws -> RedisServer {
        var counts: [Int: (RedisServer, Int)] = [:]
        for cid in Set(log.model.maxSeq.keys) {
            let server = try nodes.primary(of: RedisHashSlot.of(RedisKeys.tag(cid).utf8))
            counts[server.port] = (server, (counts[server.port]?.1 ?? 0) + 1)
        }
        return try #require(counts.values.max { $0.1 < $1.1 }?.0)
    }

    /// Streams a random log through two workers on a cluster of its own, calls
    /// `breakCluster` mid-stream, then expects the model's state. Returns every
    /// slot's sentinel at the end.
    ///
    /// `rebuild`: whether the state must (true), must not (false) or may (nil) have
    /// been rebuilt, as the epoch the workers acknowledge says.
    @discardableResult
    private func runOnCluster(_ name: String, rebuild: Bool? = nil, waitReplicas: Int = 0,
                              _ breakCluster: (RedisClusterNodes, PrivateStack) async throws -> Void)
        async throws -> [Int: String] {
        let seed = UInt64.random(in: 1...UInt64.max)
        let stack = try await onOwnThread { try PrivateStack() }  // Kafka and PostgreSQL; its Redis stays unused
        defer { stack.stop() }
        let nodes = try await onOwnThread { try RedisClusterNodes() }
        let seeds = nodes.servers.map(\.endpoint)
        let topics = try TestTopics.create(brokers: stack.brokers)
        let group = TestStack.uniqueName(name)
        let log = EventLog.random(seed: seed, count: 3_000, conversations: 30, prefix: TestStack.uniqueName(name))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)
        let statuses = [WorkerStatus(), WorkerStatus()]
        let workers = try statuses.map { status in
            try RunningWorker.start(topics: topics, group: group, redisURL: nodes.servers[0].url,
                                    postgresURL: stack.postgresURL, status: status) {
                $0.redisClusterNodes = seeds
                $0.redisReplicasToWait = waitReplicas
            }
        }
        let stream = Task { try await onOwnThread { try driver.produce(log, chunks: 30, pauseMs: 200) } }
        try await waitUntil("the workers to checkpoint a fifth of the log", timeout: .seconds(90)) {
            (try? await driver.checkpointed()) ?? 0 >= log.entries.count / 5
        }
        let epochsBefore = Set(statuses.compactMap(\.redisAcknowledgement).map(Self.epochs))
        try await breakCluster(nodes, stack)
        try await stream.value
        try await driver.waitUntilCheckpointed(log.entries.count, workers: workers)
        let epochsAfter = Set(statuses.compactMap(\.redisAcknowledgement).map(Self.epochs))
        if let rebuild {
            #expect(!epochsAfter.isSubset(of: epochsBefore) == rebuild,
                    "epochs before \(epochsBefore), after \(epochsAfter): rebuilt should be \(rebuild)")
        }
        let model = log.model
        try? await waitUntil("Redis to hold the model's state", timeout: .seconds(30)) {
            try await onOwnThread { try StateCheck.redis(model, url: "", clusterNodes: seeds).isEmpty }
        }
        for worker in workers { try await worker.stop() }
        try await expectModelState(log, driver: driver, redisURL: "", postgresURL: stack.postgresURL, seed: seed,
                                   inOrder: true, redisClusterNodes: seeds)
        return try await onOwnThread {
            let replies = try RedisClient(.cluster(seeds: seeds), timeoutMs: 10_000)
                .pipeline((0..<RedisHashSlot.count).map { .get(RedisKeys.slotSentinel($0)) })
            var sentinels: [Int: String] = [:]
            for (slot, reply) in replies.enumerated() { sentinels[slot] = try reply.get().string ?? "none" }
            return sentinels
        }
    }

    /// What a worker's acknowledgement says of the epochs, comparable.
    private static func epochs(_ acknowledgement: RedisAcknowledgement) -> String {
        acknowledgement.epoch + acknowledgement.slotEpochs.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }
            .joined()
    }
}
