import ReceiptCore
import Testing

/// IDs are their bytes: two IDs that Swift's `String` calls equal (canonical
/// equivalence) but whose bytes differ are two IDs everywhere a batch keys by them.
@Suite("IDs compared by bytes")
struct IDBytesTests {
    static let composed = "caf\u{e9}", decomposed = "cafe\u{301}"

    func newMsg(_ id: String, in cid: String, from user: String = "s", clientMsgID: String) -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: cid, sessionType: .group,
                     body: .newMessage(clientMsgID: clientMsgID))
    }

    func read(_ id: String, by user: String, in cid: String, through seq: Int64) -> ReceiptEvent {
        ReceiptEvent(eventID: id, userID: user, conversationID: cid, sessionType: .group,
                     body: .setConversationHasReadSeq(hasReadSeq: seq))
    }

    @Test("IDKey: equal and hashed by bytes, ordered by bytes")
    func idKeyIsBytes() {
        #expect(Self.composed == Self.decomposed, "the premise: Swift calls them equal")
        #expect(IDKey(Self.composed) != IDKey(Self.decomposed))
        #expect(Set([IDKey(Self.composed), IDKey(Self.decomposed), IDKey(Self.composed)]).count == 2)
        #expect(IDKey("a") < IDKey("b") && IDKey("caf") < IDKey(Self.decomposed))
        #expect(IDKey(Self.decomposed) < IDKey(Self.composed), "0x65 0xCC… sorts before 0xC3…")
        #expect(ConversationUser("c", Self.composed) != ConversationUser("c", Self.decomposed))
        #expect(ClientMessage(Self.composed, storedID: "m") != ClientMessage(Self.decomposed, storedID: "m"))
    }

    @Test("IDKey.same: equal bytes of every length are the same ID, and a difference at any byte is found")
    func sameComparesEveryByte() {
        for length in 0...40 {
            let id = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            #expect(IDKey.same(id, String(decoding: Array(id.utf8), as: UTF8.self)))
            #expect(!IDKey.same(id, id + "a"))
            for position in 0..<length {
                var bytes = Array(id.utf8)
                bytes[position] = UInt8(ascii: "Z")
                #expect(!IDKey.same(id, String(decoding: bytes, as: UTF8.self)), "length \(length), byte \(position)")
            }
        }
        #expect(IDKey.same("caf\u{e9} long enough to be native", "caf\u{e9} long enough to be native"))
        #expect(!IDKey.same("caf\u{e9}", "cafe\u{301}"))
    }

    @Test("IDKey.precedes orders by bytes as the generic comparison does: every length, every differing byte, prefixes, non-ASCII")
    func precedesIsByteOrder() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "b", "z", "A", "0", "_", "\u{e9}", "e\u{301}", "\u{1F600}", "\u{7F}"]
        var ids = ["", "a", "ab", "abcdefgh", "abcdefghi", "abcdefgg", "abcdefgh\u{e9}"]
        for _ in 0..<300 {
            let length = Int.random(in: 0...24, using: &generator)
            ids.append((0..<length).map { _ in alphabet.randomElement(using: &generator)! }.joined())
        }
        for x in ids {
            for y in ids.prefix(60) {
                #expect(IDKey.precedes(x, y) == x.utf8.lexicographicallyPrecedes(y.utf8), "\(Array(x.utf8)) vs \(Array(y.utf8))")
            }
        }
    }

    @Test("two conversations that differ only in normal form are two queries, each allocating its own seqs")
    func conversationsStayApartInOneBatch() {
        let events = [newMsg("1", in: Self.composed, clientMsgID: "m1"), newMsg("2", in: Self.decomposed, clientMsgID: "m1")]
        let queries = BatchQueries.make(for: events)
        #expect(queries.count == 2)
        let outcome = BatchApplier().apply(events, snapshots: [
            IDKey(Self.composed): ConversationSnapshot(maxSeq: 7, allocatedSeqs: [8]),
            IDKey(Self.decomposed): ConversationSnapshot(maxSeq: 0, allocatedSeqs: [1]),
        ])
        #expect(outcome.changes.maxSeqs == [IDKey(Self.composed): 8, IDKey(Self.decomposed): 1])
        #expect(outcome.changes.clientMessages.count == 2)
    }

    @Test("two readers that differ only in normal form keep their own watermarks")
    func readersStayApart() {
        let cid = "g"
        let events = [read("1", by: Self.composed, in: cid, through: 5), read("2", by: Self.decomposed, in: cid, through: 2)]
        #expect(BatchQueries.make(for: events).first?.readers.count == 2)
        let outcome = BatchApplier().apply(events, snapshots: [IDKey(cid): ConversationSnapshot(maxSeq: 9)])
        #expect(outcome.results == [.applied, .applied])
        let writes = outcome.watermarkWrites.first?.hasReadSeqs ?? []
        #expect(writes.map { Array($0.userID.utf8) } == [Array(Self.composed.utf8), Array(Self.decomposed.utf8)])
        #expect(writes.map(\.hasReadSeq) == [5, 2])
    }

    @Test("a groupHasRead window lists both readers")
    func coalescerKeepsBothReaders() {
        var coalescer = GroupReadCoalescer()
        for (user, seq) in [(Self.composed, Int64(3)), (Self.decomposed, Int64(1))] {
            _ = coalescer.add(GroupRead(conversationID: "g", sessionType: .group, userID: user, hasReadSeq: seq,
                                        sourceEventID: "e\(seq)"), at: 0)
        }
        let readers = coalescer.closeAll().flatMap(\.notifications).flatMap { notification -> [GroupHasReadTips.Reader] in
            if case .groupHasRead(let tips) = notification.payload { return tips.readers }
            return []
        }
        #expect(readers.map(\.hasReadSeq) == [3, 1])
    }
}
