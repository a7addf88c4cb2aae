import ReceiptCore
import Testing

@Suite("Private reads: the reader's own position moves, and only the reader's devices are told")
struct PrivateReadTests {
    let applier = BatchApplier()
    var exact: BatchApplier {
        var configuration = BatchApplier.Configuration()
        configuration.exactReadSessionTypes = [.single, .group]
        return BatchApplier(configuration: configuration)
    }

    func read(_ id: String, by user: String = "b", in cid: String = "si_a_b", through hasReadSeq: Int64,
              seqs: [Int64] = [], session: SessionType = .single, isPrivate: Bool = true) -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: cid, sessionType: session,
                     peerUserID: session == .single ? "a" : nil,
                     body: .markConversationAsRead(hasReadSeq: hasReadSeq, seqs: seqs), isPrivate: isPrivate)
    }

    func readTips(_ out: BatchOutcome) -> [(recvID: String, tips: MarkAsReadTips)] {
        out.notifications.compactMap { notification in
            guard case .hasReadReceipt(let tips) = notification.payload else { return nil }
            return (notification.recvID, tips)
        }
    }

    @Test("a private read in a single chat reaches the reader's own devices only and moves only the private watermark")
    func aPrivateReadIsToldToTheReaderAlone() {
        let out = applier.apply([read("e1", through: 5)], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 8)])
        #expect(out.results == [.applied])
        let tips = readTips(out)
        #expect(tips.map(\.recvID) == ["b"], "no receipt to the peer")
        #expect(tips.map(\.tips.seqs) == [[1, 2, 3, 4, 5]])
        #expect(tips.map(\.tips.hasReadSeq) == [5])
        #expect(out.watermarkWrites == [WatermarkWrites(conversationID: "si_a_b", hasReadSeqs: [],
                                                        privateReadSeqs: [("b", 5)])])
        #expect(out.changes.reads.isEmpty, "the public read state is untouched")
        #expect(out.changes.privateReads == [ConversationUser("si_a_b", "b"): 5])
        #expect(out.changes.deliveries.isEmpty, "a private read implies no delivery")
    }

    @Test("a private read in a group sends no groupHasRead and no public watermark")
    func aPrivateGroupReadFeedsNoGroupWindow() {
        let out = applier.apply([read("e1", by: "d", in: "sg_1", through: 40, session: .group)],
                                snapshots: ["sg_1": ConversationSnapshot(maxSeq: 50, hasReadSeqs: ["d": 30])])
        #expect(out.results == [.applied])
        #expect(out.groupReads.isEmpty)
        #expect(readTips(out).map(\.recvID) == ["d"])
        #expect(readTips(out).map(\.tips.seqs) == [Array(31...40)], "what it newly read for the reader, above 30")
        #expect(out.watermarkWrites.map(\.hasReadSeqs.isEmpty) == [true])
    }

    @Test("a private read below the reader's public or private position is superseded; an equal one re-announces")
    func aPrivateReadBelowThePositionIsSuperseded() {
        let snapshot = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 4], privateReadSeqs: ["b": 6])
        let out = applier.apply([read("e1", through: 3), read("e2", through: 5), read("e3", through: 6)],
                                snapshots: ["si_a_b": snapshot])
        #expect(out.results == [.superseded, .superseded, .applied])
        #expect(readTips(out).map(\.tips.seqs) == [[]], "a replay re-confirms, listing nothing new")
        #expect(out.watermarkWrites.isEmpty)
        #expect(out.changes.privateReads == [ConversationUser("si_a_b", "b"): 6], "the state is recorded for the flush")
    }

    @Test("a public read after a private one is announced to the peer as usual, whatever the private position")
    func aLaterPublicReadIsAnnounced() {
        let out = applier.apply([read("e1", through: 6), read("e2", through: 3, isPrivate: false),
                                 read("e3", through: 7, isPrivate: false)],
                                snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 8)])
        #expect(out.results == [.applied, .applied, .applied])
        let toPeer = readTips(out).filter { $0.recvID == "a" }
        #expect(toPeer.map(\.tips.seqs) == [[1, 2, 3], [4, 5, 6, 7]])
        #expect(out.watermarkWrites == [WatermarkWrites(conversationID: "si_a_b", hasReadSeqs: [("b", 7)],
                                                        privateReadSeqs: [("b", 6)])])
    }

    @Test("a private read above maxSeq is refused like a public one")
    func aPrivateReadAboveMaxSeqIsRefused() {
        let out = applier.apply([read("e1", through: 9)], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 8)])
        guard case .rejected(let rejection) = out.results.first else {
            Issue.record("accepted: \(out.results)")
            return
        }
        #expect(rejection.code == .seqAboveMax)
        #expect(out.notifications.isEmpty)
    }

    @Test("under message-level read a private read is conversation-level for the reader and leaves the marks alone")
    func aPrivateReadUnderExactReadMovesOnlyThePrivateWatermark() {
        let snapshot = ConversationSnapshot(maxSeq: 9, hasReadSeqs: ["b": 2], readMarks: ["b": [5]])
        let out = exact.apply([read("e1", through: 4, seqs: [7])], snapshots: ["si_a_b": snapshot])
        #expect(out.results == [.applied])
        #expect(readTips(out).map(\.tips.hasReadSeq) == [7])
        #expect(out.markedWrites.isEmpty)
        #expect(out.changes.privateReads == [ConversationUser("si_a_b", "b"): 7])
    }

    @Test("phase one asks for a private reader's private watermark, and only theirs")
    func queriesAskForPrivateReaders() {
        let queries = applier.queries(for: [read("e1", through: 2), read("e2", by: "a", through: 2, isPrivate: false)])
        #expect(queries.map(\.privateReaders) == [["b"]])
        #expect(queries.map(\.readers) == [["b", "a"]])
    }
}
