import ReceiptCore
import Testing

@Suite("Repeats: announced again only when they may be replays")
struct RepeatedEventTests {
    let applier = BatchApplier()
    var exact: BatchApplier {
        var configuration = BatchApplier.Configuration()
        configuration.exactReadSessionTypes = [.single]
        return BatchApplier(configuration: configuration)
    }

    func read(_ id: String, through hasReadSeq: Int64, seqs: [Int64] = [], isPrivate: Bool = false) -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: "b", conversationID: "si_a_b", sessionType: .single, peerUserID: "a",
                     body: .markConversationAsRead(hasReadSeq: hasReadSeq, seqs: seqs), isPrivate: isPrivate)
    }

    @Test("a read at the stored watermark that cannot be a replay is unchanged: nothing announced, nothing written")
    func aFirstRunRepeatIsQuiet() {
        let snapshot = ConversationSnapshot(maxSeq: 8, hasReadSeqs: ["b": 5])
        let out = applier.apply([read("e1", through: 5)], snapshots: ["si_a_b": snapshot], firstRuns: [true])
        #expect(out.results == [.unchanged])
        #expect(out.notifications.isEmpty)
        #expect(out.watermarkWrites.isEmpty)
    }

    @Test("the same read that may be a replay is announced again: its first run's receipts may never have gone out")
    func aPossibleReplayIsAnnouncedAgain() {
        let snapshot = ConversationSnapshot(maxSeq: 8, hasReadSeqs: ["b": 5])
        for firstRuns in [[false], nil] as [[Bool]?] {
            let out = applier.apply([read("e1", through: 5)], snapshots: ["si_a_b": snapshot], firstRuns: firstRuns)
            #expect(out.results == [.applied])
            #expect(out.notifications.map(\.recvID) == ["a", "b"])
        }
    }

    @Test("within one batch, the second of two equal first-run reads is unchanged; a read that moves is announced")
    func onlyWhatChangesIsAnnounced() {
        let out = applier.apply([read("e1", through: 3), read("e2", through: 3), read("e3", through: 4)],
                                snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 8)], firstRuns: [true, true, true])
        #expect(out.results == [.applied, .unchanged, .applied])
        #expect(Set(out.notifications.flatMap(\.sourceEventIDs)) == ["e1", "e3"])
    }

    @Test("message-level: a first-run read of seqs already read is unchanged")
    func anExactRepeatIsQuiet() {
        let snapshot = ConversationSnapshot(maxSeq: 8, hasReadSeqs: ["b": 2], readMarks: ["b": [5]])
        let out = exact.apply([read("e1", through: 0, seqs: [5]), read("e2", through: 0, seqs: [5, 6])],
                              snapshots: ["si_a_b": snapshot], firstRuns: [true, true])
        #expect(out.results == [.unchanged, .applied])
    }

    @Test("a first-run ack of what was acked already, and a first-run private read at the reader's position, are unchanged")
    func acksAndPrivateReadsToo() {
        let snapshot = ConversationSnapshot(maxSeq: 8, hasReadSeqs: ["b": 4],
                                            deliveries: ["b": MarkedWatermark(watermark: 6)], privateReadSeqs: ["b": 7])
        let out = applier.apply([.ack("e1", through: 6), read("e2", through: 7, isPrivate: true)],
                                snapshots: ["si_a_b": snapshot], firstRuns: [true, true])
        #expect(out.results == [.unchanged, .unchanged])
        #expect(out.notifications.isEmpty)
    }

    @Test("a retried newMsg is answered with its seq again even on its first run: the sender waits for it")
    func aRetriedMessageIsAlwaysAnswered() {
        let message = ReceiptEvent(eventID: "e1", userID: "a", conversationID: "si_a_b", sessionType: .single,
                                   peerUserID: "b", body: .newMessage(clientMsgID: "m1"))
        let out = applier.apply([message], snapshots: ["si_a_b": ConversationSnapshot(maxSeq: 3, allocatedSeqs: [3])],
                                firstRuns: [true])
        #expect(out.results == [.applied])
        #expect(out.notifications.count == 1)
    }
}
