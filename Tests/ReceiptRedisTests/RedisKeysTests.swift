import ReceiptRedis
import Testing

/// The key layout: no two (kind, conversation, user) triples share a key, and the
/// hash tag a Redis Cluster hashes is the whole conversationID and only it.
@Suite("Redis key layout")
struct RedisKeysTests {
    /// The hash tag as Redis Cluster finds it: between the first `{` and the first
    /// `}` after it.
    static func hashTag(_ key: String) -> Substring? {
        guard let open = key.firstIndex(of: "{"),
              let close = key[key.index(after: open)...].firstIndex(of: "}") else { return nil }
        return key[key.index(after: open)..<close]
    }

    /// Every key of a conversation, user keys for `user`.
    static func keys(_ cid: String, _ user: String) -> [String] {
        [RedisKeys.maxSeq(cid), RedisKeys.readWatermarks(cid), RedisKeys.readMarks(cid, user),
         RedisKeys.deliveryWatermarks(cid), RedisKeys.deliveryMarks(cid, user), RedisKeys.clientMessages(cid),
         RedisKeys.allocationPositions(cid), RedisKeys.readMarkIndex(cid)]
    }

    @Test("a conversationID with neither % nor } is its own tag; % and } are escaped")
    func tagEscapesOnlyPercentAndBrace() {
        #expect(RedisKeys.tag("si_a_b") == "si_a_b")
        #expect(RedisKeys.tag("{x:é}") == "{x:é%7D")
        #expect(RedisKeys.tag("100%}") == "100%25%7D")
        #expect(RedisKeys.maxSeq("si_a_b") == "rcpt:{si_a_b}:seq", "keys of ordinary IDs keep layout 1's names")
    }

    @Test("IDs that spelled one key under layout 1 spell different keys")
    func layoutOneCollisionsAreGone() {
        // Layout 1: "rcpt:{a}:dx:" + "x}:seq" == "rcpt:{" + "a}:dx:x" + "}:seq".
        #expect(RedisKeys.deliveryMarks("a", "x}:seq") != RedisKeys.maxSeq("a}:dx:x"))
        #expect(RedisKeys.readMarks("a", "b}:read") != RedisKeys.readWatermarks("a}:rx:b"))
    }

    @Test("no two of many awkward (conversation, user) pairs share a key, and every hash tag is its conversation's")
    func keysAreDistinctAndTagsHoldTheConversation() {
        let pieces = ["a", "}", "{", "%", "%7D", "}:seq", ":dx:", "x}:seq", "a}:dx:x", "é", "e\u{301}", ":rx:b", "%25"]
        let ids = pieces + pieces.flatMap { first in pieces.map { first + $0 } }
        var seen: [[UInt8]: String] = [:]  // by bytes: a String key would merge é and e\u{301}
        for cid in ids {
            for user in ["u", "x}:seq", "}", "%"] {
                for (kind, key) in Self.keys(cid, user).enumerated() {
                    let owner = "\(kind)|\(Array(cid.utf8))|\(kind == 2 || kind == 4 ? Array(user.utf8) : [])"
                    let bytes = Array(key.utf8)
                    if let other = seen[bytes], other != owner {
                        Issue.record("\(key) is both \(other) and \(owner)")
                    }
                    seen[bytes] = owner
                    #expect(Self.hashTag(key) == Substring(RedisKeys.tag(cid)))
                }
            }
        }
        #expect(seen.count > 1_000)
    }

    @Test("a read-mark entry is the seq in 19 digits then the user's bytes: one seq's entries are contiguous, in byte order")
    func readMarkEntriesSortBySeqThenUser() {
        #expect(RedisKeys.readMarkEntry(3, "b") == "0000000000000000003b")
        #expect(RedisKeys.readMarkEntry(Int64.max, "u").hasPrefix(String(Int64.max)))
        let entries = [(10, "a"), (9, "zz"), (9, "z"), (9, "1")].map { RedisKeys.readMarkEntry($0.0, $0.1) }
        #expect(entries.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            == [(9, "1"), (9, "z"), (9, "zz"), (10, "a")].map { RedisKeys.readMarkEntry($0.0, $0.1) })
    }

    @Test("the sentinel is named for the key layout, so a Redis written under another layout is re-seeded")
    func sentinelCarriesTheLayout() {
        #expect(RedisKeys.sentinel == "rcpt:sentinel:\(RedisKeys.layout)")
        #expect(RedisKeys.layout == 3)  // 3: the read-mark index (`rxi`), which a Redis of layout 2 lacks
    }
}
