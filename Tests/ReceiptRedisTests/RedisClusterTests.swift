import Foundation
import ReceiptRedis
import Testing
import TestSupport

/// The cluster client against a real Redis Cluster of 3 primaries and 3 replicas,
/// one per test (started by the test, killed after it): slots as the servers
/// compute them, pipelines spread over nodes, redirections, a failover.
@Suite("Redis Cluster client", .serialized)
struct RedisClusterTests {
    @Test("slots computed here are the slots the servers compute, for receiptd's keys whatever their bytes")
    func slotsAgreeWithTheServers() async throws {
        try await withCluster { nodes, _ in
            var rng = SplitMix64(seed: UInt64.random(in: 1...UInt64.max))
            let ids = ["si_a_b", "sg_1", "x}y", "100%", "é{z}", "{", "}", "{}", "a{b}c"] + (0..<200).map { _ in
                String(decoding: (0..<Int(rng.next() % 12 + 1)).map { _ in UInt8(rng.next() % 94 + 33) }, as: UTF8.self)
            }
            for id in ids {
                for key in [RedisKeys.maxSeq(id), RedisKeys.readMarks(id, "u}{1"), id] {
                    let server = try nodes.servers[0].execute(RedisCommand(["CLUSTER", "KEYSLOT", key])).int64
                    #expect(server.map(Int.init) == RedisHashSlot.of(key), "\(key)")
                    #expect(RedisCommand.get(key).slot == RedisHashSlot.of(key))
                }
            }
        }
    }

    @Test("one pipeline over every primary: replies in command order, each slot's commands in order")
    func aPipelineSpansThePrimariesInOrder() async throws {
        try await withCluster { nodes, cluster in
            let keys = (0..<60).map { "{c\($0)}:seq" }
            let commands = (0..<3).flatMap { _ in keys.map { RedisCommand.incr($0) } }
            let replies = try cluster.pipeline(commands).map { try $0.get().int64 }
            #expect(replies == (1...3).flatMap { round in keys.map { _ in Int64(round) } })
            #expect(Set(keys.map(RedisHashSlot.of).compactMap { cluster.topology.primary(of: $0)?.port }).count == 3)
            #expect(cluster.topology.coveredSlots == RedisHashSlot.count)
            // A script with its keys in one slot runs where they live.
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            try cluster.load(script)
            let sums = try cluster.pipeline(keys.map { .evalsha(script, keys: [$0], args: ["10"]) }).map { try $0.get().int64 }
            #expect(sums == keys.map { _ in 13 })
        }
    }

    @Test("a slot moved to another primary (MOVED), and one mid-migration (ASK): the commands follow it")
    func redirectionsAreFollowed() async throws {
        try await withCluster { nodes, cluster in
            let (moved, migrating) = ("{moved}:seq", "{asked}:seq")
            _ = try cluster.pipeline([.set(moved, "5"), .set(migrating, "7"), .set("{asked}:other", "1")])
            // Move every key of the first slot, and one of the second's, to another primary.
            try nodes.migrate(slot: RedisHashSlot.of(moved), keys: [moved], finish: true)
            try nodes.migrate(slot: RedisHashSlot.of(migrating), keys: [migrating], finish: false)
            let replies = try cluster.pipeline([.incr(moved), .incr(migrating), .get("{asked}:other")])
            #expect(try replies.map { try $0.get().int64 } == [6, 8, 1])
            let owner = try nodes.primary(of: RedisHashSlot.of(moved))
            #expect(cluster.topology.primary(of: RedisHashSlot.of(moved))?.port == owner.port, "MOVED updates the map")
        }
    }

    @Test("a pipeline sent behind another: a redirection of the first is followed and the second still reads in order")
    func overlappedPipelinesSurviveARedirection() async throws {
        try await withCluster { nodes, cluster in
            let (key, other) = ("{overlap}:seq", "{other}:seq")
            _ = try cluster.pipeline([.set(key, "1")])
            try nodes.migrate(slot: RedisHashSlot.of(key), keys: [key], finish: true)
            let first = try cluster.send([.incr(key), .incr(other)])
            let second = try cluster.send([.incr(key), .incr(other)])
            #expect(try cluster.receive(first).map { try $0.get().int64 } == [2, 1])
            #expect(try cluster.receive(second).map { try $0.get().int64 } == [3, 2])
        }
    }

    @Test("MULTI goes to the node of the keys after it, EXEC with the keys before it")
    func aTransactionGoesWithItsKeys() async throws {
        try await withCluster { _, cluster in
            for tag in ["a", "b", "c", "d"] {
                let replies = try cluster.pipeline([
                    RedisCommand(["MULTI"]), .incr("{\(tag)}:x"), .incr("{\(tag)}:y"), RedisCommand(["EXEC"]),
                ])
                #expect(try replies[3].get().array == [.integer(1), .integer(1)], "\(tag)")
            }
        }
    }

    @Test("a primary killed: its replica is promoted, the client finds it and goes on with the data the replica held")
    func aFailoverIsFollowed() async throws {
        try await withCluster { nodes, cluster in
            let key = "{failover}:seq"
            // WAIT counts the replicas holding this connection's writes: it follows the
            // INCR on the same node's connection, so the replica holds the key.
            let replies = try cluster.pipeline([.incr(key), RedisCommand(["WAIT", "1", "2000"])])
            #expect(try replies[0].get().int64 == 1)
            #expect(try replies[1].get().int64 == 1)
            let primary = try nodes.primary(of: RedisHashSlot.of(key))
            primary.kill()
            try nodes.waitUntilHealthy(timeout: .seconds(30))
            var value: Int64?
            var failures = 0
            let deadline = ContinuousClock.now + .seconds(30)
            while value == nil, ContinuousClock.now < deadline {
                do {
                    value = try cluster.pipeline([.incr(key)])[0].get().int64
                } catch let error as RedisError where error.isRetriable {
                    failures += 1
                    Thread.sleep(forTimeInterval: 0.2)
                }
            }
            #expect(value == 2, "after \(failures) retriable failures")
            #expect(cluster.topology.primary(of: RedisHashSlot.of(key))?.port != primary.port)
        }
    }

    @Test("a client in use while a primary dies finds the promoted replica by itself")
    func aClientInUseFollowsAFailover() async throws {
        try await withCluster { nodes, cluster in
            let keys = (0..<50).map { "{k\($0)}:seq" }
            _ = try cluster.pipeline(keys.map { .incr($0) })
            let primary = try nodes.primary(of: RedisHashSlot.of(keys[0]))
            primary.kill()
            var failures: [String] = []
            var done = false
            let deadline = ContinuousClock.now + .seconds(60)
            while !done, ContinuousClock.now < deadline {
                do {
                    _ = try cluster.pipeline(keys.map { .get($0) }).map { try $0.get() }
                    done = true
                } catch let error as RedisError where error.isRetriable {
                    failures.append(error.debugDescription)
                    Thread.sleep(forTimeInterval: 0.5)
                }
            }
            #expect(done, "still failing after \(failures.count) tries: \(failures.suffix(2))")
        }
    }

    /// A fresh cluster and a client of it, on a thread of their own.
    private func withCluster(_ body: @escaping @Sendable (RedisClusterNodes, RedisCluster) throws -> Void) async throws {
        try await onOwnThread {
            let nodes = try RedisClusterNodes()
            let cluster = RedisCluster(configuration: .init(seeds: [nodes.servers[0].endpoint]))
            try body(nodes, cluster)
        }
    }
}
