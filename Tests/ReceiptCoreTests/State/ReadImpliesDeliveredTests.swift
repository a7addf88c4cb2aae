import ReceiptCore
import Testing

@Suite("Read implies delivered: in a single chat, what a reader read reached them")
struct ReadImpliesDeliveredTests {
    let applier = BatchApplier()
    var exact: BatchApplier {
        var configuration = BatchApplier.Configuration()
        configuration.exactReadSessionTypes = [.single]
        return BatchApplier(configuration: configuration)
    }

    func read(_ id: String, by user: String = "b", in cid: String = "si_a_b", through hasReadSeq: Int64,
              seqs: [Int64] = [], session: SessionType = .single) -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: cid, sessionType: session,
                     peerUserID: session == .single ? "a" : nil,
                     body: .markConversationAsRead(hasReadSeq: hasReadSeq, seqs: seqs))
    }

    func readSeqs(_ id: String, _ seqs: [Int64], by user: String = "b") -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: "si_a_b", sessionType: .single, peerUserID: "a",
                     body: .markMessagesAsRead(seqs: seqs))
    }

    @Test("a read writes no delivery state and sends no deliveryReceipt: the read state is the delivery")
    func aReadWritesNoDeliveryState() {
        let out = applier.apply([read("e1", through: 5)], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 5)])
        #expect(out.results == [.applied])
        #expect(out.watermarkWrites == [WatermarkWrites(conversationID: "si_a_b", hasReadSeqs: [("b", 5)])])
        #expect(out.markedWrites.isEmpty)
        #expect(out.changes.deliveries.isEmpty)
        #expect(out.deliveryTips.isEmpty, "the hasReadReceipt says it")
    }

    @Test("an ack is checked against what the recipient read: acking read seqs is superseded, the rest is announced with the united watermark")
    func anAckCountsWhatWasRead() {
        let snapshot = ConversationSnapshot(maxSeq: 8, hasReadSeqs: ["b": 4],
                                            deliveries: ["b": MarkedWatermark(watermark: 0, marks: [6])])
        let out = applier.apply([.ack("e1", seqs: [2, 3]), .ack("e2", seqs: [5])], snapshots: ["si_a_b": snapshot])
        #expect(out.results == [.superseded, .applied])
        #expect(out.deliveryTips.map(\.deliveredSeq) == [6], "read through 4, acked 5 and 6: all of 1-6 delivered")
        #expect(out.deliveryTips.map(\.seqs) == [[5]])
        #expect(out.markedWrites == [MarkedWrite(.delivery, conversationID: "si_a_b", userID: "b",
                                                 state: MarkedWatermark(watermark: 6))])
    }

    @Test("an ack after a read in the same batch adds only what the read did not cover")
    func anAckAfterAReadListsOnlyWhatIsNew() {
        let snapshot = ConversationSnapshot(maxSeq: 8, deliveries: ["b": MarkedWatermark()])
        let out = applier.apply([read("e1", through: 5), .ack("e2", seqs: [3, 7])], snapshots: ["si_a_b": snapshot])
        #expect(out.deliveryTips.map(\.seqs) == [[7]])
        #expect(out.deliveryTips.map(\.deliveredSeq) == [5])
    }

    @Test("under message-level read exactly the seqs read count as delivered")
    func anExactReadCountsExactlyItsSeqs() {
        let snapshot = ConversationSnapshot(maxSeq: 5, deliveries: ["b": MarkedWatermark()])
        let out = exact.apply([readSeqs("e1", [2, 4]), .ack("e2", seqs: [1, 2, 3, 4])], snapshots: ["si_a_b": snapshot])
        #expect(out.deliveryTips.map(\.seqs) == [[1, 3]])
        #expect(out.deliveryTips.map(\.deliveredSeq) == [4])
    }

    @Test("sending reads what came before, so it counts as delivered to the sender too")
    func sendingCountsAsDelivered() {
        let snapshot = ConversationSnapshot(maxSeq: 3, deliveries: ["b": MarkedWatermark()], allocatedSeqs: [4])
        let send = ReceiptEvent(eventID: "n1", userID: "b", conversationID: "si_a_b", sessionType: .single,
                                peerUserID: "a", body: .newMessage(clientMsgID: "m1"))
        let out = applier.apply([send, .ack("e1", seqs: [2])], snapshots: ["si_a_b": snapshot])
        #expect(out.results == [.applied, .superseded])
        #expect(out.deliveryTips.isEmpty)
    }
}
