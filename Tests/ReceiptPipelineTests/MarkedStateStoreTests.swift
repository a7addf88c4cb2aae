import ReceiptCore
@testable import ReceiptPipeline
import ReceiptRedis
import Testing
import TestSupport

/// The fold script and the marked-state reads against a real Redis: every write is
/// idempotent and monotonic, and what phase one reads back is what was folded.
@Suite("Marked state in Redis", .serialized)
struct MarkedStateStoreTests {
    let store: RedisStateStore
    let redis: RedisConnection
    let cid = TestStack.uniqueName("si_a_b")

    init() throws {
        let endpoint = try RedisEndpoint(url: TestStack.redisURL())
        store = RedisStateStore(configuration: .init(endpoint: endpoint, maxMarksPerUser: 3))
        redis = try RedisConnection.connect(endpoint, timeoutMs: 5_000)
    }

    func delivery(_ watermark: Int64, _ marks: [Int64]) -> MarkedWrite {
        MarkedWrite(.delivery, conversationID: cid, userID: "b",
                    state: MarkedWatermark(watermark: watermark, marks: marks))
    }

    func stored(_ kind: MarkedWrite.Kind) throws -> (watermark: Int64?, marks: [Int64]) {
        let keys = RedisKeys.marked(kind, cid, "b")
        let marks = try redis.execute(.zrangeByScore(keys[1], min: .negativeInfinity, max: .positiveInfinity))
        return (try redis.execute(.zscore(keys[0], "b")).int64, (marks.array ?? []).compactMap(\.int64))
    }

    @Test("the fold script keeps the gap, folds it when filled, and a replayed or older write changes nothing")
    func foldIsIdempotentAndMonotonic() throws {
        store.epoch = try adoptSentinel()
        try store.write([], [delivery(3, [5, 6])])
        #expect(try stored(.delivery) == (3, [5, 6]))
        try store.write([], [delivery(3, [5, 6])])
        #expect(try stored(.delivery) == (3, [5, 6]))
        try store.write([], [delivery(3, [4])])
        #expect(try stored(.delivery) == (6, []))
        try store.write([], [delivery(2, [5])])
        #expect(try stored(.delivery) == (6, []))
        #expect(try redis.execute(.exists(RedisKeys.deliveryMarks(cid, "b"))).int64 == 0)
    }

    @Test("a write that fails when collected is written again, and the read sent behind it is never used")
    func aFailedWriteAbandonsTheReadSentBehindIt() throws {
        store.epoch = try adoptSentinel()
        _ = try redis.execute(RedisCommand(["SCRIPT", "FLUSH"]))  // the fold script's call gets NOSCRIPT
        let write = try #require(try store.beginWrite([], [delivery(4, [])]))
        var query = ConversationQuery(conversationID: cid)
        query.recipients = ["b"]
        let read = try store.beginRead([query])
        #expect(throws: RedisError.self) { try store.finishWrite(write) }
        store.abandonConnection("the write before it failed")
        let refused = #expect(throws: RedisError.self) { try store.finishRead(read) }
        #expect(refused?.code == .connectionClosed)
        try store.write([], [delivery(4, [])])
        #expect(try stored(.delivery) == (4, []))
        #expect(try store.read([query])[IDKey(cid)]?.deliveries["b"] == MarkedWatermark(watermark: 4, marks: []))
    }

    @Test("beyond the cap the highest marks are forgotten, as the applier forgets them")
    func foldKeepsTheLowestMarks() throws {
        store.epoch = try adoptSentinel()
        try store.write([], [delivery(0, [2, 4, 6, 8, 10])])
        #expect(try stored(.delivery) == (nil, [2, 4, 6]))
    }

    @Test("the read-mark index holds an entry for exactly the read marks kept: added, folded away, capped, seeded")
    func readMarkIndexFollowsTheMarks() throws {
        store.epoch = try adoptSentinel()
        func read(_ user: String, _ watermark: Int64, _ marks: [Int64]) -> MarkedWrite {
            MarkedWrite(.read, conversationID: cid, userID: user, state: MarkedWatermark(watermark: watermark, marks: marks))
        }
        func index() throws -> [String] {
            (try redis.execute(RedisCommand(["ZRANGE", RedisKeys.readMarkIndex(cid), "0", "-1"])).array ?? [])
                .compactMap(\.string)
        }
        try store.write([], [read("b", 1, [3, 5]), read("c", 0, [3])])
        #expect(try index() == [RedisKeys.readMarkEntry(3, "b"), RedisKeys.readMarkEntry(3, "c"),
                                RedisKeys.readMarkEntry(5, "b")])
        try store.write([], [read("b", 1, [2])])  // 2 fills the gap: 1-3 fold, 3 leaves the index
        #expect(try index() == [RedisKeys.readMarkEntry(3, "c"), RedisKeys.readMarkEntry(5, "b")])
        try store.write([], [read("c", 0, [4, 6, 8, 10])])  // the cap is 3 marks: 8 and 10 are forgotten
        #expect(try index() == [RedisKeys.readMarkEntry(3, "c"), RedisKeys.readMarkEntry(4, "c"),
                                RedisKeys.readMarkEntry(5, "b"), RedisKeys.readMarkEntry(6, "c")])
        try store.write([], [read("c", 10, [])])  // the watermark passes every mark
        #expect(try index() == [RedisKeys.readMarkEntry(5, "b")])

        _ = try redis.execute(.del(RedisKeys.readMarkIndex(cid)))
        var changes = StateChanges()
        changes.recordRead(ConversationUser(cid, "d"), MarkedWatermark(watermark: 2, marks: [7]))
        try store.seed(changes)
        #expect(try index() == [RedisKeys.readMarkEntry(7, "d")], "seeding from PostgreSQL writes the index too")
    }

    @Test("phase one reads back delivery state and read marks; seeding writes dlv, dx and rx")
    func seedThenReadRoundTrips() throws {
        var changes = StateChanges()
        changes.recordMaxSeq(cid, 9)
        changes.recordDelivery(ConversationUser(cid, "b"), MarkedWatermark(watermark: 3, marks: [5, 6]))
        changes.recordRead(ConversationUser(cid, "b"), MarkedWatermark(watermark: 2, marks: [7]))
        try store.seed(changes)
        store.epoch = try adoptSentinel()

        var query = ConversationQuery(conversationID: cid)
        query.needsMaxSeq = true
        query.readers = ["b"]
        query.markedReaders = ["b"]
        query.recipients = ["b"]
        let snapshot = try #require(try store.read([query])[IDKey(cid)])
        #expect(snapshot.maxSeq == 9)
        #expect(snapshot.hasReadSeqs == ["b": 2])
        #expect(snapshot.readMarks == ["b": [7]])
        #expect(snapshot.deliveries == ["b": MarkedWatermark(watermark: 3, marks: [5, 6])])
    }

    /// The sentinel other workers on this Redis use, set when none is there yet.
    func adoptSentinel() throws -> String {
        if let epoch = try store.currentSentinel() { return epoch }
        try store.setSentinel("test-\(cid)")
        return try #require(try store.currentSentinel())
    }
}
