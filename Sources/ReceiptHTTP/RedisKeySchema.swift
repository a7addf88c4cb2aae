/// The Redis keys the query API reads. Mirrors `RedisKeys` of ReceiptPipeline (which
/// is internal there) and must stay byte-identical to it; the tests seed these keys
/// spelled out literally, so a drift fails them.
enum RedisKeySchema {
    /// String: the conversation's maxSeq.
    static func maxSeq(_ conversationID: String) -> String { "rcpt:{\(conversationID)}:seq" }
    /// Sorted set: userID → hasReadSeq.
    static func readWatermarks(_ conversationID: String) -> String { "rcpt:{\(conversationID)}:read" }
    /// Sorted set: userID → continuous delivered (acked) seq.
    static func deliveryWatermarks(_ conversationID: String) -> String { "rcpt:{\(conversationID)}:dlv" }
    /// Sorted set of one user's acked seqs above the delivery watermark, scored by seq.
    static func ackedAbove(_ conversationID: String, _ userID: String) -> String { "rcpt:{\(conversationID)}:dx:\(userID)" }
}
