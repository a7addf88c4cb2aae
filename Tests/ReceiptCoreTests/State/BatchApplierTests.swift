import ReceiptCore
import Testing

@Suite("Applying a batch against a snapshot")
struct BatchApplierTests {
    let applier = BatchApplier()

    func read(_ id: String, _ user: String, _ cid: String = "si_a_b", hasReadSeq: Int64, seqs: [Int64] = [],
              peer: String? = "a", session: SessionType = .single) -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: cid, sessionType: session, peerUserID: peer,
                     body: .markConversationAsRead(hasReadSeq: hasReadSeq, seqs: seqs))
    }

    func newMsg(_ id: String, _ user: String, _ cid: String = "si_a_b", clientMsgID: String) -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: cid, sessionType: .single, peerUserID: "b",
                     body: .newMessage(clientMsgID: clientMsgID))
    }

    func tips(_ n: Notification) -> MarkAsReadTips? {
        if case .hasReadReceipt(let t) = n.payload { return t }
        return nil
    }

    @Test("a flood of reads of long ranges lists at most maxListedSeqsPerBatch seqs in all; past it a receipt lists its newest seq, and every watermark still covers the whole range")
    func listedSeqsAreBoundedPerBatch() {
        var configuration = BatchApplier.Configuration()
        configuration.maxListedSeqsPerBatch = 25_000
        let members = (0..<30).map { "u\($0)" }
        let events = members.enumerated().map { index, user in
            read("e\(index)", user, "sg_long", hasReadSeq: 10_000, peer: nil, session: .group)
        }
        let out = BatchApplier(configuration: configuration)
            .apply(events, snapshots: ["sg_long": ConversationSnapshot(maxSeq: 10_000)])
        #expect(out.results.allSatisfy { $0 == .applied })
        let listed = out.notifications.compactMap(tips)
        #expect(listed.count == 30)
        #expect(listed.map(\.seqs.count) == [10_000, 10_000, 5_000] + Array(repeating: 1, count: 27))
        #expect(listed.allSatisfy { $0.hasReadSeq == 10_000 && $0.seqs.last == 10_000 })
        #expect(out.listedSeqs == 25_027)
        let unbounded = applier.apply(events, snapshots: ["sg_long": ConversationSnapshot(maxSeq: 10_000)])
        #expect(unbounded.listedSeqs == 200_000 + 10, "the default budget: 20 full receipts, then the newest seq each")
    }

    @Test("OpenIM regression: reading 4 and 5 from watermark 3 marks both read, not only 5")
    func markConversationAsReadCoversTheWholeRange() {
        let snap = ConversationSnapshot(maxSeq: 5, hasReadSeqs: ["b": 3])
        let out = applier.apply([read("e1", "b", hasReadSeq: 5)], snapshots: ["si_a_b": snap])
        #expect(out.results == [.applied])
        #expect(out.notifications.map(\.recvID) == ["a", "b"])
        #expect(out.notifications.compactMap(tips).allSatisfy { $0.seqs == [4, 5] && $0.hasReadSeq == 5 })
        #expect(out.watermarkWrites.count == 1)
        #expect(out.watermarkWrites[0].hasReadSeqs.map(\.hasReadSeq) == [5])
    }

    @Test("hasReadSeq above maxSeq is rejected with seq_above_max and changes nothing")
    func readAboveMaxSeqIsRejected() {
        let snap = ConversationSnapshot(maxSeq: 5, hasReadSeqs: ["b": 3])
        let out = applier.apply([read("e1", "b", hasReadSeq: 6)], snapshots: ["si_a_b": snap])
        guard case .rejected(let r) = out.results[0] else { Issue.record("expected a rejection"); return }
        #expect(r.code == .seqAboveMax)
        #expect(out.notifications.isEmpty)
        #expect(out.watermarkWrites.isEmpty)
    }

    @Test("a read of a message allocated earlier in the same batch is valid")
    func readSeesAllocationsEarlierInTheBatch() {
        let snap = ConversationSnapshot(maxSeq: 5, hasReadSeqs: ["b": 5], allocatedSeqs: [6])
        let out = applier.apply(
            [newMsg("e1", "a", clientMsgID: "m6"), read("e2", "b", hasReadSeq: 6)], snapshots: ["si_a_b": snap])
        #expect(out.results == [.applied, .applied])
        #expect(out.notifications.first?.payload == .seqAssigned(clientMsgID: "m6", seq: 6, sendID: "a"))
        #expect(out.notifications.dropFirst().compactMap(tips).map(\.seqs) == [[6], [6]])
    }

    @Test("a read before the message it names exists is rejected even if the batch allocates it later")
    func readBeforeAllocationInTheBatchIsRejected() {
        let snap = ConversationSnapshot(maxSeq: 5, hasReadSeqs: [:], allocatedSeqs: [6])
        let out = applier.apply(
            [read("e1", "b", hasReadSeq: 6), newMsg("e2", "a", clientMsgID: "m6")], snapshots: ["si_a_b": snap])
        #expect(out.results.first == .rejected(Rejection(.seqAboveMax, "seq 6 is above the conversation's maxSeq 5")))
        #expect(out.results.last == .applied)
    }

    @Test("the sender's own watermark advances to the seq of its new message")
    func senderReadsItsOwnMessage() {
        let snap = ConversationSnapshot(maxSeq: 9, allocatedSeqs: [10])
        let out = applier.apply([newMsg("e1", "a", clientMsgID: "m10")], snapshots: ["si_a_b": snap])
        #expect(out.watermarkWrites == [WatermarkWrites(conversationID: "si_a_b", hasReadSeqs: [("a", 10)])])
    }

    @Test("an older read after a newer one is superseded: no write, no notification")
    func outOfOrderReadIsSuperseded() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 2])
        let out = applier.apply([read("e1", "b", hasReadSeq: 8), read("e0", "b", hasReadSeq: 4)],
                                snapshots: ["si_a_b": snap])
        #expect(out.results == [.applied, .superseded])
        #expect(out.notifications.count == 2)
        #expect(out.watermarkWrites[0].hasReadSeqs.map(\.hasReadSeq) == [8])
    }

    @Test("a replayed read re-announces the current watermark with no new seqs")
    func replayedReadReannounces() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 8])
        let out = applier.apply([read("e1", "b", hasReadSeq: 8)], snapshots: ["si_a_b": snap])
        #expect(out.results == [.applied])
        #expect(out.notifications.compactMap(tips).map(\.hasReadSeq) == [8, 8])
        #expect(out.notifications.compactMap(tips).allSatisfy { $0.seqs.isEmpty })
        #expect(out.watermarkWrites.isEmpty)
    }

    @Test("markConversationAsRead's extra seqs above hasReadSeq advance the watermark to them")
    func extraSeqsAboveTheWatermarkAreRead() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 3])
        let out = applier.apply([read("e1", "b", hasReadSeq: 4, seqs: [6])], snapshots: ["si_a_b": snap])
        #expect(out.notifications.compactMap(tips).first?.seqs == [4, 5, 6])
        #expect(out.notifications.compactMap(tips).first?.hasReadSeq == 6)
    }

    @Test("markMsgsAsRead reads up to its highest seq")
    func markMessagesAsReadUsesTheHighestSeq() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 1])
        let event = ReceiptEvent(eventID: "e1", userID: "b", conversationID: "si_a_b", sessionType: .single,
                                 peerUserID: "a", body: .markMessagesAsRead(seqs: [3, 2]))
        let out = applier.apply([event], snapshots: ["si_a_b": snap])
        #expect(out.notifications.compactMap(tips).first?.seqs == [2, 3])
    }

    @Test("group reads go to the reader's own devices only")
    func groupReadGoesToTheReaderOnly() {
        let snap = ConversationSnapshot(maxSeq: 9)
        let out = applier.apply([read("e1", "u7", "sg_1", hasReadSeq: 9, peer: nil, session: .superGroup)],
                                snapshots: ["sg_1": snap])
        #expect(out.notifications.map(\.recvID) == ["u7"])
    }

    @Test("setConversationHasReadSeq in a single chat syncs the reader only, as OpenIM does")
    func setHasReadSeqGoesToTheReaderOnly() {
        let snap = ConversationSnapshot(maxSeq: 9)
        let event = ReceiptEvent(eventID: "e1", userID: "b", conversationID: "si_a_b", sessionType: .single,
                                 peerUserID: "a", body: .setConversationHasReadSeq(hasReadSeq: 7))
        let out = applier.apply([event], snapshots: ["si_a_b": snap])
        #expect(out.notifications.map(\.recvID) == ["b"])
    }

    @Test("a huge unread range lists only its newest seqs; the watermark covers all")
    func hugeRangeIsListedBounded() {
        var configuration = BatchApplier.Configuration()
        configuration.maxListedSeqs = 3
        let snap = ConversationSnapshot(maxSeq: 1_000_000_000)
        let out = BatchApplier(configuration: configuration)
            .apply([read("e1", "b", hasReadSeq: 1_000_000_000)], snapshots: ["si_a_b": snap])
        #expect(out.notifications.compactMap(tips).first?.seqs == [999_999_998, 999_999_999, 1_000_000_000])
    }

    @Test("several reads of one user in a batch write one watermark, the latest")
    func writesAreCoalescedPerUser() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 0])
        let out = applier.apply((1...9).map { read("e\($0)", "b", hasReadSeq: Int64($0)) },
                                snapshots: ["si_a_b": snap])
        #expect(out.watermarkWrites == [WatermarkWrites(conversationID: "si_a_b", hasReadSeqs: [("b", 9)])])
    }

    @Test("watermark writes list each reader once, in first-seen order, in a group of many readers")
    func watermarkWritesInFirstSeenOrder() {
        let users = (0..<20).map { "u\($0)" }
        let order = users + users.reversed()  // every reader twice, past the first few
        let events = order.enumerated().map { number, user in
            read("e\(number)", user, "g", hasReadSeq: Int64(number + 1), peer: nil, session: .group)
        }
        let out = applier.apply(events, snapshots: ["g": ConversationSnapshot(maxSeq: 100)])
        #expect(out.results.allSatisfy { $0 == .applied })
        #expect(out.watermarkWrites.count == 1)
        #expect(out.watermarkWrites[0].hasReadSeqs.map(\.userID) == users)
        #expect(out.watermarkWrites[0].hasReadSeqs.map(\.hasReadSeq) == (0..<20).map { Int64(40 - $0) })
    }

    @Test("queries ask once per conversation, for each reader once, and allocate every newMsg in order")
    func queriesAreGroupedPerConversation() {
        let events = [newMsg("e1", "a", clientMsgID: "m1"), read("e2", "b", hasReadSeq: 1),
                      read("e3", "b", hasReadSeq: 1), newMsg("e4", "a", "other", clientMsgID: "m2"),
                      newMsg("e5", "a", clientMsgID: "m3")]
        let queries = BatchQueries.make(for: events)
        #expect(queries.map(\.conversationID) == ["si_a_b", "other"])
        #expect(queries[0].readers == ["b"])
        #expect(queries[0].needsMaxSeq)
        #expect(queries[0].allocations.map(\.clientMsgID) == ["m1", "m3"])
        #expect(!queries[1].needsMaxSeq)
    }
}

@Suite("What a batch records for the next flush")
struct BatchChangesTests {
    @Test("a replayed batch that moves nothing in Redis still records its resulting state for PostgreSQL")
    func replayRecordsResultingState() {
        let snap = ConversationSnapshot(maxSeq: 5, hasReadSeqs: ["b": 5], allocatedSeqs: [5])
        let events = [
            ReceiptEvent(eventID: "e1", userID: "a", conversationID: "c", sessionType: .single,
                         body: .newMessage(clientMsgID: "m5")),
            ReceiptEvent(eventID: "e2", userID: "b", conversationID: "c", sessionType: .single, peerUserID: "a",
                         body: .markConversationAsRead(hasReadSeq: 5, seqs: [])),
        ]
        let out = BatchApplier().apply(events, snapshots: ["c": snap])
        #expect(out.watermarkWrites.map(\.conversationID) == ["c"])  // only the sender's own read moves
        #expect(out.changes.maxSeqs == ["c": 5])
        #expect(out.changes.reads[ConversationUser("c", "b")] == MarkedWatermark(watermark: 5))
        #expect(out.changes.reads[ConversationUser("c", "a")] == MarkedWatermark(watermark: 5))
        #expect(out.changes.clientMessages == [ClientMessage("c", sender: "a", "m5"): 5])
    }

    @Test("merging change sets keeps the highest value of every key")
    func mergeKeepsTheHighestValues() {
        var older = StateChanges()
        older.recordMaxSeq("c", 9)
        older.recordRead(ConversationUser("c", "u"), MarkedWatermark(watermark: 7))
        var newer = StateChanges()
        newer.recordMaxSeq("c", 4)
        newer.recordRead(ConversationUser("c", "u"), MarkedWatermark(watermark: 3, marks: [8, 9]))
        older.merge(newer)
        #expect(older.maxSeqs["c"] == 9)
        #expect(older.reads[ConversationUser("c", "u")] == MarkedWatermark(watermark: 7, marks: [8, 9]))
    }

    @Test("merging adds new keys, keeps a client message's first seq, and fills empty changes whole")
    func mergeAddsKeysAndKeepsFirstSeqs() {
        var batch = StateChanges()
        batch.recordMaxSeq("c", 4)
        batch.recordMaxSeq("d", 2)
        batch.recordRead(ConversationUser("d", "u"), MarkedWatermark(watermark: 2))
        batch.recordDelivery(ConversationUser("c", "v"), MarkedWatermark(watermark: 1, marks: [3]))
        batch.recordClientMessage(ClientMessage("c", storedID: "m1"), seq: 8)
        batch.recordClientMessage(ClientMessage("c", storedID: "m2"), seq: 9)

        var empty = StateChanges()
        empty.merge(batch)
        #expect(empty == batch)

        var pending = StateChanges()
        pending.recordMaxSeq("c", 7)
        pending.recordDelivery(ConversationUser("c", "v"), MarkedWatermark(watermark: 2))
        pending.recordClientMessage(ClientMessage("c", storedID: "m1"), seq: 5)
        pending.merge(batch)
        #expect(pending.maxSeqs == ["c": 7, "d": 2])
        #expect(pending.reads == [ConversationUser("d", "u"): MarkedWatermark(watermark: 2)])
        #expect(pending.deliveries == [ConversationUser("c", "v"): MarkedWatermark(watermark: 3)])
        #expect(pending.clientMessages == [ClientMessage("c", storedID: "m1"): 5, ClientMessage("c", storedID: "m2"): 9])
        #expect(pending.rowCount == 6)
    }

    @Test("marks contiguous with the watermark fold into it")
    func marksFoldIntoTheWatermark() {
        var state = MarkedWatermark(watermark: 3)
        #expect(state.mark([5, 6]) == [5, 6])
        #expect(state == MarkedWatermark(watermark: 3, marks: [5, 6]))
        #expect(state.mark([4]) == [4])
        #expect(state.watermark == 6)
        #expect(state.marks.isEmpty)
    }
}
