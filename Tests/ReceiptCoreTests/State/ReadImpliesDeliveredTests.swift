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

    func ack(_ id: String, seqs: [Int64] = [], through deliveredSeq: Int64? = nil, by user: String = "b") -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: "si_a_b", sessionType: .single, peerUserID: "a",
                     body: .messageDelivered(seqs: seqs, deliveredSeq: deliveredSeq))
    }

    func deliveryTips(_ outcome: BatchOutcome) -> [DeliveryTips] {
        outcome.notifications.compactMap {
            if case .deliveryReceipt(let tips) = $0.payload { return tips }
            return nil
        }
    }

    @Test("reading up to 5 raises the reader's delivered watermark to 5 with a plain monotonic write, and sends no deliveryReceipt")
    func aConversationLevelReadRaisesTheDeliveredWatermark() {
        let out = applier.apply([read("e1", through: 5)], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 5)])
        #expect(out.results == [.applied])
        #expect(out.watermarkWrites == [WatermarkWrites(conversationID: "si_a_b", hasReadSeqs: [("b", 5)],
                                                        deliveredSeqs: [("b", 5)])])
        #expect(out.markedWrites.isEmpty)
        #expect(deliveryTips(out).isEmpty, "the hasReadReceipt says it")
        #expect(out.changes.deliveries[ConversationUser("si_a_b", "b")] == MarkedWatermark(watermark: 5))
    }

    @Test("a read below the acks above the delivered watermark folds them: acks {5, 6} then reading 4 gives watermark 6")
    func aReadFoldsTheAcksAboveIt() {
        let snapshot = ConversationSnapshot(maxSeq: 6, deliveries: ["b": MarkedWatermark(watermark: 2, marks: [5, 6])])
        let out = applier.apply([ack("e0", seqs: [6]), read("e1", through: 4)], snapshots: ["si_a_b": snapshot])
        #expect(out.results == [.applied, .applied])
        #expect(out.markedWrites == [MarkedWrite(.delivery, conversationID: "si_a_b", userID: "b",
                                                 state: MarkedWatermark(watermark: 6))])
        #expect(out.watermarkWrites.first?.deliveredSeqs.isEmpty == true, "the fold script writes it")
    }

    @Test("an ack after a read in the same batch adds only what the read did not cover")
    func anAckAfterAReadListsOnlyWhatIsNew() {
        let snapshot = ConversationSnapshot(maxSeq: 8)
        let out = applier.apply([read("e1", through: 5), ack("e2", seqs: [3, 7])], snapshots: ["si_a_b": snapshot])
        #expect(deliveryTips(out).map(\.seqs) == [[7]])
        #expect(deliveryTips(out).map(\.deliveredSeq) == [5])
    }

    @Test("an exact read marks exactly the seqs read as delivered")
    func anExactReadMarksExactlyItsSeqs() {
        let out = exact.apply([readSeqs("e1", [2, 4])], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 5)])
        #expect(out.markedWrites.contains(MarkedWrite(.delivery, conversationID: "si_a_b", userID: "b",
                                                      state: MarkedWatermark(watermark: 0, marks: [2, 4]))))
        #expect(deliveryTips(out).isEmpty)
    }

    @Test("a superseded read, a sender's own message and a group read imply no delivery")
    func onlyAppliedSingleChatReadsImplyDelivery() {
        let stale = applier.apply([read("e1", through: 3)],
                                  snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 5, hasReadSeqs: ["b": 5])])
        #expect(stale.results == [.superseded])
        #expect(stale.changes.deliveries.isEmpty)
        let sent = applier.apply([ReceiptEvent(eventID: "n1", userID: "a", conversationID: "si_a_b", sessionType: .single,
                                               peerUserID: "b", body: .newMessage(clientMsgID: "m1"))],
                                 snapshots: ["si_a_b": ConversationSnapshot(allocatedSeqs: [1])])
        #expect(sent.changes.deliveries.isEmpty)
        let group = applier.apply([read("e2", in: "sg_1", through: 2, session: .superGroup)],
                                  snapshots: ["sg_1": ConversationSnapshot(maxSeq: 2)])
        #expect(group.changes.deliveries.isEmpty)
        #expect(group.watermarkWrites.first?.deliveredSeqs.isEmpty == true)
    }
}
