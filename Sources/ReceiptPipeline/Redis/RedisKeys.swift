/// The Redis key schema. Every key of one conversation carries the hash tag
/// `{conversationID}`, so a Redis Cluster keeps a conversation on one slot and the
/// multi-key allocation script stays legal.
enum RedisKeys {
    /// String: the conversation's maxSeq, allocated with INCR.
    static func maxSeq(_ conversationID: String) -> String { "rcpt:{\(conversationID)}:seq" }
    /// Sorted set: userID → hasReadSeq. `ZADD GT` keeps it monotonic.
    static func readWatermarks(_ conversationID: String) -> String { "rcpt:{\(conversationID)}:read" }
    /// String with a TTL: the seq given to one client message (idempotent allocation).
    static func clientMessage(_ conversationID: String, _ clientMsgID: String) -> String {
        "rcpt:{\(conversationID)}:cm:\(clientMsgID)"
    }
}
