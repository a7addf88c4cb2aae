import ReceiptCore
import Testing

@Suite("Delivery acks: a continuous watermark with gaps above it")
struct DeliveryRulesTests {
    let applier = BatchApplier()

    /// Applies one batch, then carries the delivery state into the next snapshot, as
    /// Redis would.
    func applyInTurn(_ batches: [[ReceiptEvent]], maxSeq: Int64) -> [BatchOutcome] {
        var stored: [IDKey: MarkedWatermark] = [:]
        return batches.map { events in
            let snapshot = ConversationSnapshot(maxSeq: maxSeq, deliveries: stored)
            let out = applier.apply(events, snapshots: ["si_a_b": snapshot])
            for write in out.markedWrites where write.kind == .delivery { stored[IDKey(write.userID)] = write.state }
            return out
        }
    }

    @Test("acks 1,2,3 then 5,6 then 4: watermark 3, then 3 with {5,6} above it, then 6 with the set folded away")
    func gapIsKeptThenFolded() {
        let outs = applyInTurn([[.ack("e1", seqs: [1, 2, 3])], [.ack("e2", seqs: [5, 6])], [.ack("e3", seqs: [4])]],
                               maxSeq: 6)
        #expect(outs.map { $0.markedWrites.map(\.state) } == [
            [MarkedWatermark(watermark: 3)],
            [MarkedWatermark(watermark: 3, marks: [5, 6])],
            [MarkedWatermark(watermark: 6)],
        ])
        #expect(outs.map { $0.deliveryTips.map(\.deliveredSeq) } == [[3], [3], [6]])
        #expect(outs.map { $0.deliveryTips.map(\.seqs) } == [[[1, 2, 3]], [[5, 6]], [[4]]])
    }

    @Test("the same three acks in one batch end in the same state, one write")
    func gapFoldsWithinOneBatch() {
        let out = applier.apply([.ack("e1", seqs: [1, 2, 3]), .ack("e2", seqs: [5, 6]), .ack("e3", seqs: [4])],
                                snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 6)])
        #expect(out.results == [.applied, .applied, .applied])
        #expect(out.markedWrites == [MarkedWrite(.delivery, conversationID: "si_a_b", userID: "b",
                                                 state: MarkedWatermark(watermark: 6))])
        #expect(out.changes.deliveries[ConversationUser("si_a_b", "b")] == MarkedWatermark(watermark: 6))
    }

    @Test("deliveredSeq acks everything up to it and lists only the seqs not acked before")
    func deliveredSeqCoversTheRange() {
        let before = MarkedWatermark(watermark: 2, marks: [4])
        let out = applier.apply([.ack("e1", through: 6)],
                                snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 9, deliveries: ["b": before])])
        #expect(out.deliveryTips == [
            DeliveryTips(deliveredUserID: "b", conversationID: "si_a_b", deliveredSeq: 6, seqs: [3, 5, 6]),
        ])
    }

    @Test("a delivery ack above maxSeq is rejected with seq_above_max and changes nothing")
    func ackAboveMaxSeqIsRejected() {
        let out = applier.apply([.ack("e1", seqs: [2, 7])], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 6)])
        guard case .rejected(let rejection) = out.results[0] else { Issue.record("expected a rejection"); return }
        #expect(rejection.code == .seqAboveMax)
        #expect(out.notifications.isEmpty && out.markedWrites.isEmpty && out.changes.deliveries.isEmpty)
    }

    @Test("deliveryReceipt goes to the peer only, in the single chat")
    func receiptGoesToThePeer() {
        let out = applier.apply([.ack("e1", seqs: [1])], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 1)])
        #expect(out.notifications.map(\.recvID) == ["a"])
        #expect(out.notifications.map(\.sourceEventIDs) == [["e1"]])
        #expect(out.notifications.first?.sessionType == .single)
    }

    @Test("a replayed ack re-announces the watermark with no new seqs; an older one is superseded")
    func repeatedAcksAreReannouncedOrSuperseded() {
        let stored = MarkedWatermark(watermark: 3, marks: [6])
        let out = applier.apply([.ack("e1", seqs: [6]), .ack("e0", seqs: [2])],
                                snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 6, deliveries: ["b": stored])])
        #expect(out.results == [.applied, .superseded])
        #expect(out.deliveryTips == [DeliveryTips(deliveredUserID: "b", conversationID: "si_a_b", deliveredSeq: 3, seqs: [])])
        #expect(out.markedWrites.isEmpty)
        #expect(out.changes.deliveries[ConversationUser("si_a_b", "b")] == stored)
    }

    @Test("marks beyond the per-user cap are forgotten from the highest down")
    func marksAreCapped() {
        var configuration = BatchApplier.Configuration()
        configuration.maxMarksPerUser = 2
        let out = BatchApplier(configuration: configuration)
            .apply([.ack("e1", seqs: [3, 5, 7, 9])], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 9)])
        #expect(out.markedWrites.map(\.state) == [MarkedWatermark(watermark: 0, marks: [3, 5])])
        #expect(out.deliveryTips.map(\.seqs) == [[3, 5]])
    }

    @Test("queries ask for the delivery state and the read state (read implies delivered) of each recipient once, and for maxSeq")
    func queriesAskForDeliveryState() {
        let queries = applier.queries(for: [.ack("e1", seqs: [1]), .ack("e2", seqs: [2]), .ack("e3", seqs: [1], by: "c")])
        #expect(queries.map(\.recipients) == [["b", "c"]])
        #expect(queries.first?.needsMaxSeq == true)
        #expect(queries.first?.readers == ["b", "c"])
    }
}
