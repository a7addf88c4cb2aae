import ReceiptCore
@testable import ReceiptPipeline
import ReceiptRedis
import Testing
import TestSupport

/// The allocation script serves many conversations per call; these check that
/// sharing a call never mixes up conversations, messages or their order.
@Suite("Seq allocation against real Redis", .serialized)
struct AllocationTests {
    let store: RedisStateStore
    let applier = BatchApplier()
    let prefix = TestStack.uniqueName("alloc")

    init() throws {
        store = RedisStateStore(configuration: .init(endpoint: try RedisEndpoint(url: TestStack.redisURL())))
        store.epoch = try store.currentSentinel() ?? "test-epoch"
        try store.setSentinel(store.epoch!)
    }

    func newMsg(_ conversation: Int, _ clientMsgID: String) -> ReceiptEvent {
        ReceiptEvent(eventID: "\(conversation)-\(clientMsgID)", userID: "a", conversationID: "\(prefix)_\(conversation)",
                     sessionType: .single, peerUserID: "b", body: .newMessage(clientMsgID: clientMsgID))
    }

    /// conversationID → the seqs its new messages got, in event order.
    func allocate(_ events: [ReceiptEvent]) throws -> [String: [Int64]] {
        let queries = applier.queries(for: events, positions: events.indices.map { Int64($0) })
        return Dictionary(uniqueKeysWithValues: try store.read(queries).map { ($0.key.id, $0.value.allocatedSeqs) })
    }

    @Test("a batch whose allocations need several script calls gives every conversation 1, 2, 3 in event order")
    func manyConversationsGetTheirOwnSeqsInOrder() throws {
        let conversations = AllocationScript.argumentsPerCall / 4  // 8 arguments each: two calls
        var events: [ReceiptEvent] = []
        for message in ["m1", "m2", "m3"] {
            for conversation in 0..<conversations { events.append(newMsg(conversation, message)) }
        }
        let seqs = try allocate(events)
        #expect(seqs.count == conversations)
        #expect(seqs.values.allSatisfy { $0 == [1, 2, 3] })
    }

    @Test("a clientMsgID repeated within one batch gets one seq, and a replay gets the same seqs again")
    func repeatedClientMessageInOneBatchGetsOneSeq() throws {
        let events = [newMsg(0, "m1"), newMsg(1, "x"), newMsg(0, "m2"), newMsg(0, "m1"), newMsg(0, "m3")]
        let first = try allocate(events)
        #expect(first["\(prefix)_0"] == [1, 2, 1, 3])
        #expect(first["\(prefix)_1"] == [1])
        #expect(try allocate(events) == first)
        let counter = try store.execute([.get(RedisKeys.maxSeq("\(prefix)_0"))], scripts: [])[0].get().string
        #expect(counter == "3")
    }

    @Test("a clientMsgID is its sender's: the same clientMsgID from another sender gets a seq of its own, alone or in one batch")
    func sameClientMsgIDFromAnotherSenderIsAnotherMessage() throws {
        func from(_ sender: String, _ conversation: Int, _ clientMsgID: String) -> ReceiptEvent {
            var event = newMsg(conversation, clientMsgID)
            event.userID = sender
            return event
        }
        let cid = "\(prefix)_9"
        #expect(try allocate([from("a", 9, "m1")])[cid] == [1])
        #expect(try allocate([from("b", 9, "m1")])[cid] == [2], "not a retry of a's message")
        #expect(try allocate([from("a", 9, "m1")])[cid] == [1], "a's retry still gets a's seq")
        #expect(try allocate([from("c", 9, "m2"), from("d", 9, "m2"), from("c", 9, "m2")])[cid] == [3, 4, 3])
    }

    @Test("a retried clientMsgID alone in its call gets its seq back, and the counter and positions stay as they were")
    func retryAloneInItsCallTakesNothingNew() throws {
        let cid = "\(prefix)_5"
        #expect(try allocate([newMsg(5, "m1"), newMsg(5, "m2")])[cid] == [1, 2])
        #expect(try allocate([newMsg(5, "m1")])[cid] == [1])
        #expect(try allocate([newMsg(5, "m2")])[cid] == [2])
        #expect(try allocate([newMsg(5, "m3")])[cid] == [3])
        let state = try store.execute([.get(RedisKeys.maxSeq(cid)),
                                       .init(["ZCARD", RedisKeys.allocationPositions(cid)]),
                                       .init(["ZCARD", RedisKeys.clientMessages(cid)])], scripts: [])
        #expect(try state[0].get().string == "3")
        #expect(try state[1].get() == .integer(3))
        #expect(try state[2].get() == .integer(3))
    }

    @Test("a retried clientMsgID among new ones keeps its seq, and the new ones take the next seqs with no gap")
    func retryAmongNewMessagesLeavesNoGap() throws {
        let cid = "\(prefix)_7"
        #expect(try allocate([newMsg(7, "m1"), newMsg(7, "m2")])[cid] == [1, 2])
        #expect(try allocate([newMsg(7, "m3"), newMsg(7, "m1"), newMsg(7, "m4"), newMsg(7, "m3")])[cid] == [3, 1, 4, 3])
        let state = try store.execute([.get(RedisKeys.maxSeq(cid)),
                                       .init(["ZCARD", RedisKeys.allocationPositions(cid)]),
                                       .init(["ZRANGE", RedisKeys.clientMessages(cid), "0", "-1", "WITHSCORES"])],
                                      scripts: [])
        #expect(try state[0].get().string == "4")
        #expect(try state[1].get() == .integer(4))
        let members = try state[2].get().array?.compactMap(\.string)
        #expect(members == ["a\u{1F}m1", "1", "a\u{1F}m2", "2", "a\u{1F}m3", "3", "a\u{1F}m4", "4"],
                "each message stored as its sender, U+001F, its clientMsgID")
        #expect(try allocate([newMsg(7, "m5")])[cid] == [5])
    }

    @Test("retries spread over a call of more than one ZADD keep their seqs; the new messages follow with no gap")
    func retriesAcrossChunksLeaveNoGap() throws {
        let cid = "\(prefix)_8"
        #expect(try allocate((0..<4).map { newMsg(8, "old\($0)") })[cid] == [1, 2, 3, 4])
        // 1,604 messages: 1,200 new ones, the first 400 of them again (retries within
        // the call), and the four old ones at 500, 501, 1000 and 1001, so the call
        // spans several ZADDs and lookups of 1,000.
        var ids = (0..<1_600).map { "new\($0 % 1_200)" }
        for (slot, old) in zip([500, 501, 1000, 1001], ["old0", "old1", "old2", "old3"]) { ids.insert(old, at: slot) }
        let seqs = try #require(try allocate(ids.map { newMsg(8, $0) })[cid])
        var expected: [String: Int64] = ["old0": 1, "old1": 2, "old2": 3, "old3": 4]
        for id in ids where expected[id] == nil { expected[id] = Int64(expected.count + 1) }
        #expect(seqs == ids.map { expected[$0]! })
        let state = try store.execute([.get(RedisKeys.maxSeq(cid)),
                                       .init(["ZCARD", RedisKeys.allocationPositions(cid)]),
                                       .init(["ZCARD", RedisKeys.clientMessages(cid)])], scripts: [])
        #expect(try state[0].get().string == String(4 + 1_200))
        #expect(try state[1].get() == .integer(4 + 1_200))
        #expect(try state[2].get() == .integer(4 + 1_200))
        #expect(try allocate(ids.map { newMsg(8, $0) })[cid] == seqs)  // a replay of the whole call
        #expect(try store.execute([.get(RedisKeys.maxSeq(cid))], scripts: [])[0].get().string == String(4 + 1_200))
    }

    @Test("a conversation with more new messages than one ZADD takes records every position")
    func manyMessagesOfOneConversationAreAllRecorded() throws {
        let events = (1...1_200).map { newMsg(9, "m\($0)") }
        #expect(try allocate(events)["\(prefix)_9"] == Array(1...1_200))
        let recorded = try store.execute([.init(["ZCARD", RedisKeys.allocationPositions("\(prefix)_9")])], scripts: [])
        #expect(try recorded[0].get() == .integer(1_200))
    }

    @Test("a clientMsgID older than the window is forgotten; one inside it keeps its seq")
    func deduplicationWindowKeepsTheLatestSeqs() throws {
        let narrow = RedisStateStore(configuration: .init(endpoint: store.configuration.endpoint, clientMessageWindow: 100))
        narrow.epoch = store.epoch
        let cid = "\(prefix)_8"
        let queries = applier.queries(for: (1...150).map { newMsg(8, "m\($0)") }, positions: nil)
        #expect(try narrow.read(queries)[IDKey(cid)]?.allocatedSeqs == Array(1...150))
        let retries = applier.queries(for: [newMsg(8, "m150"), newMsg(8, "m51"), newMsg(8, "m1")], positions: nil)
        #expect(try narrow.read(retries)[IDKey(cid)]?.allocatedSeqs == [150, 51, 151])
    }

    @Test("the window never forgets a clientMsgID a replay from the checkpoint could bring back")
    func windowKeepsEverythingSinceTheCheckpoint() throws {
        let narrow = RedisStateStore(configuration: .init(endpoint: store.configuration.endpoint, clientMessageWindow: 100))
        narrow.epoch = store.epoch
        let cid = "\(prefix)_6"
        func allocate(_ ids: [Int], at positions: [Int64], checkpoint: Int64) throws -> [Int64]? {
            let queries = applier.queries(for: ids.map { newMsg(6, "m\($0)") }, positions: positions)
            return try narrow.read(queries, trimBelow: [IDKey(cid): checkpoint])[IDKey(cid)]?.allocatedSeqs
        }
        // 150 messages past a checkpoint at position 0: all of them stay, beyond the window.
        #expect(try allocate(Array(1...150), at: (0..<150).map { Int64($0) }, checkpoint: 0) == Array(1...150))
        #expect(try allocate([1], at: [0], checkpoint: 0) == [1])
        // Once the checkpoint passed them, the window applies again (trimming runs when
        // the counter passes a multiple of 16, here at 160, keeping seqs 61...160): m1 is
        // forgotten, m70 kept.
        #expect(try allocate(Array(151...160), at: (150..<160).map { Int64($0) }, checkpoint: 120) == Array(151...160))
        #expect(try allocate([70, 1], at: [69, 0], checkpoint: 120) == [70, 161])
    }

    @Test("no seq is allocated once the sentinel no longer holds the worker's epoch")
    func staleEpochAllocatesNothing() throws {
        let stale = RedisStateStore(configuration: store.configuration)
        stale.epoch = "not-the-epoch"
        #expect(throws: RedisStateLost.self) { try stale.read(applier.queries(for: [newMsg(7, "m1")], positions: [0])) }
        let counter = try store.execute([.get(RedisKeys.maxSeq("\(prefix)_7"))], scripts: [])[0].get()
        #expect(counter == .null)
    }
}
