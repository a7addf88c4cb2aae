import ReceiptCore
@testable import ReceiptPipeline
import ReceiptRedis
import Testing
import TestSupport

/// Replay horizons in Redis are taken from the sentinel Redis holds now: a horizon
/// of the current epoch is the horizon, one of another epoch or none is 0, and a
/// Redis whose sentinel is gone or marked rolled back knows none (unknown: every
/// record may be a replay).
@Suite("Replay horizons in Redis", .serialized)
struct ReplayHorizonStoreTests {
    let store: RedisStateStore
    let redis: RedisConnection
    let tag = RedisKeys.replayHorizonTag(topic: TestStack.uniqueName("topic"), partition: 3)

    init() throws {
        // A database of its own: the test removes and rewrites the sentinel.
        let url = try TestStack.redisURL()
        let endpoint = try RedisEndpoint(url: String(url[..<url.lastIndex(of: "/")!]) + "/13")
        store = RedisStateStore(configuration: .init(endpoint: endpoint))
        redis = try RedisConnection.connect(endpoint, timeoutMs: 5_000)
        _ = try redis.execute(RedisCommand(["FLUSHDB"]))
    }

    @Test("a horizon counts under the sentinel's epoch only; without a sentinel, or marked rolled back, it is unknown")
    func horizonsFollowTheSentinel() throws {
        try store.setSentinel("e1")
        store.epoch = "e1"
        #expect(try store.replayHorizons(tags: [tag]) == [tag: 0], "nothing written yet under e1: 0")
        try store.raiseReplayHorizons([(tag, 40)])
        try store.raiseReplayHorizons([(tag, 25)])
        #expect(try store.replayHorizons(tags: [tag]) == [tag: 40], "raised, never lowered")

        // Rebuilt under e2 by another replica: the e1 value says nothing about it,
        // whatever this worker believes the epoch is.
        try store.setSentinel("e2")
        #expect(try store.replayHorizons(tags: [tag]) == [tag: 0])
        try store.raiseReplayHorizons([(tag, 30)], epoch: "e2")
        #expect(try store.replayHorizons(tags: [tag]) == [tag: 30])

        _ = try redis.execute(RedisCommand(["DEL", RedisKeys.sentinel]))
        #expect(try store.replayHorizons(tags: [tag]).isEmpty, "Redis lost its sentinel: unknown")
        try store.setSentinel(RedisKeys.rolledBack)
        #expect(try store.replayHorizons(tags: [tag]).isEmpty, "marked rolled back: unknown")
    }
}
