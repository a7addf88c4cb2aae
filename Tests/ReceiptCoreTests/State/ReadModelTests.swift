import ReceiptCore
import Testing

@Suite("Read models: conversation-level (watermark) and message-level (exact)")
struct ReadModelTests {
    let exact: BatchApplier = {
        var configuration = BatchApplier.Configuration()
        configuration.exactReadSessionTypes = [.single]
        return BatchApplier(configuration: configuration)
    }()

    func event(_ id: String, _ body: ReceiptEvent.Body, by user: String = "b") -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: "si_a_b", sessionType: .single, peerUserID: "a",
                     body: body)
    }

    func tips(_ outcome: BatchOutcome) -> [MarkAsReadTips] {
        outcome.notifications.compactMap {
            if case .hasReadReceipt(let tips) = $0.payload { return tips }
            return nil
        }
    }

    @Test("conversation-level: markMsgsAsRead [5] reads everything up to 5")
    func watermarkModelReadsEverythingBelow() {
        let out = BatchApplier().apply([event("e1", .markMessagesAsRead(seqs: [5]))],
                                       snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 9)])
        #expect(tips(out).first == MarkAsReadTips(markAsReadUserID: "b", conversationID: "si_a_b",
                                                  seqs: [1, 2, 3, 4, 5], hasReadSeq: 5))
        #expect(out.markedWrites.isEmpty)
        #expect(out.watermarkWrites.first?.hasReadSeqs.map(\.hasReadSeq) == [5])
    }

    @Test("exact: only the seqs reported are read; the watermark moves over the contiguous prefix only")
    func exactModelReadsOnlyTheReportedSeqs() {
        let out = exact.apply([event("e1", .markMessagesAsRead(seqs: [1, 2, 5]))],
                              snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 9)])
        #expect(tips(out).first == MarkAsReadTips(markAsReadUserID: "b", conversationID: "si_a_b",
                                                  seqs: [1, 2, 5], hasReadSeq: 2))
        #expect(out.markedWrites == [MarkedWrite(.read, conversationID: "si_a_b", userID: "b",
                                                 state: MarkedWatermark(watermark: 2, marks: [5]))])
        #expect(out.watermarkWrites.isEmpty)
        #expect(out.changes.reads[ConversationUser("si_a_b", "b")] == MarkedWatermark(watermark: 2, marks: [5]))
    }

    @Test("exact: reading the gap folds the marks above it into the watermark")
    func exactModelFoldsTheGap() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 2], readMarks: ["b": [4, 5]])
        let out = exact.apply([event("e1", .markMessagesAsRead(seqs: [3]))], snapshots: ["si_a_b": snap])
        #expect(tips(out).map(\.seqs) == [[3], [3]])
        #expect(tips(out).map(\.hasReadSeq) == [5, 5])
        #expect(out.markedWrites.map(\.state) == [MarkedWatermark(watermark: 5)])
    }

    @Test("exact: markConversationAsRead still covers its whole range (old, hasReadSeq], minus what was read")
    func exactModelMarkConversationCoversTheRange() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 2], readMarks: ["b": [4, 8]])
        let out = exact.apply([event("e1", .markConversationAsRead(hasReadSeq: 6, seqs: []))],
                              snapshots: ["si_a_b": snap])
        #expect(tips(out).first?.seqs == [3, 5, 6])
        #expect(tips(out).first?.hasReadSeq == 6)
        #expect(out.markedWrites.map(\.state) == [MarkedWatermark(watermark: 6, marks: [8])])
    }

    @Test("exact: a repeated read re-announces, an older one is superseded, a read above maxSeq is rejected")
    func exactModelRepeatsAndRejections() {
        let snap = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 2], readMarks: ["b": [7]])
        let out = exact.apply([event("e1", .markMessagesAsRead(seqs: [7])), event("e2", .markMessagesAsRead(seqs: [1])),
                               event("e3", .markMessagesAsRead(seqs: [10]))], snapshots: ["si_a_b": snap])
        #expect(out.results.prefix(2) == [.applied, .superseded])
        #expect(out.results.last == .rejected(Rejection(.seqAboveMax, "seq 10 is above the conversation's maxSeq 9")))
        #expect(tips(out).allSatisfy { $0.seqs.isEmpty && $0.hasReadSeq == 2 })
        #expect(out.markedWrites.isEmpty)
    }

    @Test("exact: the sender reads its own new message as a mark, not as everything below it")
    func exactModelSenderMarksItsOwnMessage() {
        let snap = ConversationSnapshot(maxSeq: 4, hasReadSeqs: ["a": 1], allocatedSeqs: [5])
        let out = exact.apply([event("e1", .newMessage(clientMsgID: "m5"), by: "a")], snapshots: ["si_a_b": snap])
        #expect(out.markedWrites.map(\.state) == [MarkedWatermark(watermark: 1, marks: [5])])
    }

    @Test("exact readers, and senders in exact conversations, are asked for their read marks")
    func exactQueriesAskForMarks() {
        let queries = exact.queries(for: [event("e1", .newMessage(clientMsgID: "m"), by: "a"),
                                          event("e2", .markMessagesAsRead(seqs: [1]))])
        #expect(queries.first?.readers == ["a", "b"])
        #expect(queries.first?.markedReaders == ["a", "b"])
        #expect(BatchApplier().queries(for: [event("e2", .markMessagesAsRead(seqs: [1]))]).first?.markedReaders == [])
    }

    @Test("the read model is chosen per sessionType: a group stays conversation-level when only single chats are exact")
    func modelIsChosenPerSessionType() {
        let group = ReceiptEvent(eventID: "e1", userID: "u", conversationID: "sg", sessionType: .group,
                                 body: .markMessagesAsRead(seqs: [4]))
        let out = exact.apply([group], snapshots: ["sg": ConversationSnapshot(maxSeq: 9)])
        #expect(out.watermarkWrites.first?.hasReadSeqs.map(\.hasReadSeq) == [4])
        #expect(out.markedWrites.isEmpty)
    }
}
