/// The Redis key schema (layout 3), shared by the worker and the query API.
///
/// Every key of one conversation is `rcpt:{` + the conversation's tag + `}:` + its
/// kind, and a user's key appends the userID. The tag is the conversationID with `%`
/// written `%25` and `}` written `%7D` (`tag(_:)`), so it never holds a `}`: the
/// hash tag a Redis Cluster hashes is exactly the whole conversationID, one
/// conversation stays on one slot (the multi-key scripts stay legal), and no two
/// different (kind, conversation, user) triples ever spell the same key, whatever
/// bytes the IDs hold. (Layout 1 appended the conversationID raw: `a}:dx:x` and `a`
/// with user `x}:seq`… could meet.)
public enum RedisKeys {
    /// The key layout this build reads and writes; part of the sentinel's name, so a
    /// build with another layout finds no sentinel and re-seeds Redis from PostgreSQL.
    public static let layout = 3

    /// The conversationID as it appears between the braces: `%` → `%25`, `}` →
    /// `%7D`, every other byte as it is. An ID with neither (almost all) is returned
    /// as it is, without allocating.
    public static func tag(_ conversationID: String) -> String {
        guard needsEscaping(conversationID) else { return conversationID }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(conversationID.utf8.count + 8)
        for byte in conversationID.utf8 {
            switch byte {
            case UInt8(ascii: "%"): bytes += Array("%25".utf8)
            case UInt8(ascii: "}"): bytes += Array("%7D".utf8)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `id` holds a `%` or a `}`, scanned over its own storage (every key
    /// of every batch asks: the view's byte iterator showed in the worker's profile).
    private static func needsEscaping(_ id: String) -> Bool {
        let scanned = id.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte == UInt8(ascii: "%") || byte == UInt8(ascii: "}") { return true }
            return false
        }
        return scanned ?? id.utf8.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "}") }
    }

    /// String: the conversation's maxSeq, allocated with INCR.
    public static func maxSeq(_ conversationID: String) -> String { Parts.maxSeq(conversationID).joined }
    /// Sorted set: userID → hasReadSeq. `ZADD GT` keeps it monotonic. `ZCOUNT key s
    /// +inf` is the number of members who have read seq s (continuous watermark).
    public static func readWatermarks(_ conversationID: String) -> String {
        Parts.readWatermarks(conversationID).joined
    }
    /// Sorted set, score = member = seq: seqs a user read individually above their
    /// watermark (message-level read).
    public static func readMarks(_ conversationID: String, _ userID: String) -> String {
        Parts.key(conversationID, "}:rx:").joined + userID
    }
    /// Sorted set, every score 0, member = `readMarkEntry(seq, userID)`: one entry per
    /// seq read individually above its reader's watermark, kept by the fold script
    /// beside the readers' `rx` sets (layout 3). `ZLEXCOUNT` counts, and `ZRANGE
    /// BYLEX` lists, the members who read one seq individually.
    public static func readMarkIndex(_ conversationID: String) -> String {
        Parts.key(conversationID, "}:rxi").joined
    }
    /// The seq as 19 digits, zero-padded, then the userID's bytes: entries of one seq
    /// are contiguous and sorted by userID bytes, and the fixed width keeps one
    /// (seq, user) pair from spelling another.
    public static func readMarkEntry(_ seq: Int64, _ userID: String) -> String {
        readMarkPrefix(seq) + userID
    }
    /// The prefix every `readMarkEntry` of `seq` starts with.
    public static func readMarkPrefix(_ seq: Int64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, 19 - digits.count)) + digits
    }
    /// String `epoch|offset`: a partition's replay horizon (`ReplayHorizonScript`),
    /// by its tag (`replayHorizonTag`), a pseudo-conversationID that no event can
    /// name (IDs hold no control character), so on a Redis Cluster it has a slot, a
    /// sentinel and an epoch like any conversation.
    public static func replayHorizon(_ tag: String) -> String {
        Parts.key(tag, "}:horizon").joined
    }
    /// The pseudo-conversationID of a partition's replay horizon.
    public static func replayHorizonTag(topic: String, partition: Int32) -> String {
        "\u{1F}horizon\u{1F}\(topic)\u{1F}\(partition)"
    }
    /// Sorted set: userID → private read watermark (`"private": true` reads). `ZADD
    /// GT` keeps it monotonic. Only the user's own read state counts it.
    public static func privateReadWatermarks(_ conversationID: String) -> String {
        Parts.privateReadWatermarks(conversationID).joined
    }
    /// Sorted set: recipient userID → continuous delivered watermark.
    public static func deliveryWatermarks(_ conversationID: String) -> String {
        Parts.deliveryWatermarks(conversationID).joined
    }
    /// Sorted set, score = member = seq: seqs a recipient acked above their watermark.
    public static func deliveryMarks(_ conversationID: String, _ userID: String) -> String {
        Parts.key(conversationID, "}:dx:").joined + userID
    }
    /// Sorted set: clientMsgID → the seq it was given (idempotent allocation), for the
    /// conversation's latest seqs (the de-duplication window).
    public static func clientMessages(_ conversationID: String) -> String {
        Parts.clientMessages(conversationID).joined
    }

    /// Sorted set: seq → stream position of the event that allocated it, from the
    /// partition's checkpoint on; what lets a replay check reads as the first run did.
    public static func allocationPositions(_ conversationID: String) -> String {
        Parts.allocationPositions(conversationID).joined
    }

    /// String: the epoch of the state Redis holds; gone when Redis lost its data.
    /// Named for the key layout (`rcpt:sentinel:3`): a Redis written under another
    /// layout has no sentinel of this one, so the first worker of this build re-seeds
    /// it from PostgreSQL under this layout.
    public static let sentinel = "rcpt:sentinel:\(layout)"

    /// What the sentinel holds once a worker found Redis rolled back (it is no
    /// epoch): every allocation refuses until the state is rebuilt from PostgreSQL.
    public static let rolledBack = "rolled-back"

    /// String: one worker process's write position, which only that process
    /// advances (`INCR`), once per round trip that writes or decides. A Redis that
    /// answers a position below one it acknowledged has lost writes.
    public static func writer(_ writerID: String) -> String { "rcpt:writer:\(layout):" + writerID }

    /// The conversation keys the worker writes for every batch, as their parts: a
    /// command takes them without a `String` allocated per key.
    public enum Parts {
        public static func maxSeq(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:seq") }
        public static func readWatermarks(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:read") }
        public static func deliveryWatermarks(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:dlv") }
        public static func privateReadWatermarks(_ conversationID: String) -> RedisKeyParts {
            key(conversationID, "}:pread")
        }
        public static func clientMessages(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:cm") }
        public static func allocationPositions(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:alloc") }

        /// Every conversation key: `rcpt:{`, the conversation's tag, then `suffix`.
        public static func key(_ conversationID: String, _ suffix: StaticString) -> RedisKeyParts {
            RedisKeyParts("rcpt:{", tag(conversationID), suffix)
        }
    }
}
