/// The Redis key schema, shared by the worker and the query API. Every key of one conversation carries the hash tag
/// `{conversationID}`, so a Redis Cluster keeps a conversation on one slot and the
/// multi-key scripts stay legal.
public enum RedisKeys {
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
    public static let sentinel = "rcpt:sentinel"

    /// The conversation keys the worker writes for every batch, as their parts: a
    /// command takes them without a `String` allocated per key.
    public enum Parts {
        public static func maxSeq(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:seq") }
        public static func readWatermarks(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:read") }
        public static func deliveryWatermarks(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:dlv") }
        public static func clientMessages(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:cm") }
        public static func allocationPositions(_ conversationID: String) -> RedisKeyParts { key(conversationID, "}:alloc") }

        /// Every conversation key: `rcpt:{`, the conversationID, then `suffix`.
        public static func key(_ conversationID: String, _ suffix: StaticString) -> RedisKeyParts {
            RedisKeyParts("rcpt:{", conversationID, suffix)
        }
    }
}
