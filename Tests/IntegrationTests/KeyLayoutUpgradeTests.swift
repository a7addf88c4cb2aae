import Foundation
import ReceiptCore
import ReceiptRedis
import Testing
import TestSupport

/// The cut-over from Redis key layout 1 (conversationIDs raw in the keys, sentinel
/// `rcpt:sentinel`) to layout 2, on a stack of its own (it wipes Redis).
@Suite("Redis key layout upgrade", .serialized)
struct KeyLayoutUpgradeTests {
    @Test("a Redis written under layout 1 is re-seeded from PostgreSQL: a conversation whose ID holds } and % continues its seqs")
    func layoutOneRedisIsReseeded() async throws {
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let topics = try TestTopics.create(partitions: 1, brokers: stack.brokers)
        let group = TestStack.uniqueName("layout")
        let cid = TestStack.uniqueName("si_up") + "}x%"
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)

        let first = try RunningWorker.start(topics: topics, group: group, redisURL: stack.redisURL,
                                            postgresURL: stack.postgresURL)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                (1...3).map { Events.newMsg("n\($0)", from: "a", in: cid, clientMsgID: "m\($0)", peer: "b") })
        }
        _ = try await onOwnThread {  // applied, so the schema is migrated before checkpoints are read
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 3)
        }
        try await driver.waitUntilCheckpointed(3, workers: [first])
        try await first.stop()

        // What layout 1 left: its own sentinel and the counter under the raw ID.
        try await onOwnThread {
            let redis = try RedisConnection.connect(try RedisEndpoint(url: stack.redisURL), timeoutMs: 5_000)
            _ = try redis.execute(.flushall)
            _ = try redis.pipeline([RedisCommand(["SET", "rcpt:sentinel", "layout-1-epoch"]),
                                    RedisCommand(["SET", "rcpt:{\(cid)}:seq", "3"])])
        }

        let second = try RunningWorker.start(topics: topics, group: group, redisURL: stack.redisURL,
                                             postgresURL: stack.postgresURL)
        try await onOwnThread {
            try EventProducer(brokers: topics.brokers, topic: topics.events).send(
                [Events.newMsg("n4", from: "a", in: cid, clientMsgID: "m4", peer: "b"),
                 Events.newMsg("n1-retry", from: "a", in: cid, clientMsgID: "m1", peer: "b")])
        }
        try await driver.waitUntilCheckpointed(5, workers: [second])
        let notices = try decodeNotifications(try await onOwnThread {
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 5)
        })
        try await second.stop()

        #expect(notices.compactMap(\.assignedSeq) == [1, 2, 3, 4, 1],
                "the new message continues at 4 and the retry of m1 gets 1 again")
        let redis = try RedisConnection.connect(try RedisEndpoint(url: stack.redisURL), timeoutMs: 5_000)
        #expect(try redis.execute(.get(RedisKeys.maxSeq(cid))).string == "4")
        #expect(RedisKeys.maxSeq(cid) != "rcpt:{\(cid)}:seq", "the premise: this ID's key changed names")
        #expect(try redis.execute(.get(RedisKeys.sentinel)).string != nil, "layout 2's sentinel was written")
    }
}
