import ReceiptCore
@testable import ReceiptPipeline
import ReceiptRedis
import Testing
import TestSupport

/// A replayed batch must reach the verdicts the first run reached, although Redis
/// already holds what the first run (and the events after it) allocated.
@Suite("Replay verdicts against real Redis", .serialized)
struct ReplayVerdictTests {
    let store: RedisStateStore
    let cid = TestStack.uniqueName("si_a_b")
    let applier = BatchApplier()

    init() throws {
        store = RedisStateStore(configuration: .init(endpoint: try RedisEndpoint(url: TestStack.redisURL())))
        store.epoch = try store.currentSentinel() ?? "test-epoch"
        try store.setSentinel(store.epoch!)
    }

    func newMsg(_ clientMsgID: String) -> ReceiptEvent {
        ReceiptEvent(eventID: clientMsgID, userID: "a", conversationID: cid, sessionType: .single,
                     body: .newMessage(clientMsgID: clientMsgID))
    }

    func read(_ seq: Int64) -> ReceiptEvent {
        ReceiptEvent(eventID: "r\(seq)", userID: "b", conversationID: cid, sessionType: .single, peerUserID: "a",
                     body: .markConversationAsRead(hasReadSeq: seq, seqs: []))
    }

    func run(_ events: [ReceiptEvent], at positions: [Int64]) throws -> BatchOutcome {
        let snapshots = try store.read(applier.queries(for: events, positions: positions))
        return applier.apply(events, snapshots: snapshots)
    }

    @Test("a read above maxSeq stays refused when replayed after later messages were allocated")
    func replayedReadAboveMaxSeqIsStillRefused() throws {
        // First run: m1 at offset 10, a read of seq 2 at offset 11 (too early), m2 at offset 12.
        let first = try run([newMsg("m1"), read(2), newMsg("m2")], at: [10, 11, 12])
        #expect(first.results.map(\.isRejected) == [false, true, false])
        // A crash before the checkpoint: the same records again, Redis already at maxSeq 2.
        let replay = try run([newMsg("m1"), read(2), newMsg("m2")], at: [10, 11, 12])
        #expect(replay.results.map(\.isRejected) == [false, true, false])
        // A replay that starts in the middle of the earlier run's records.
        let partial = try run([read(2), newMsg("m2")], at: [11, 12])
        #expect(partial.results.map(\.isRejected) == [true, false])
        // Later records see every earlier allocation.
        let later = try run([read(2)], at: [13])
        #expect(later.results.map(\.isRejected) == [false])
    }
}

extension EventResult {
    var isRejected: Bool {
        if case .rejected = self { return true }
        return false
    }
}
