import ReceiptCore

/// Everything PostgreSQL holds about one conversation: what a re-seed writes back
/// into Redis after Redis lost its data.
public struct ConversationRecord: Sendable, Equatable {
    /// 0 when the conversation has no `conversation_seq` row.
    public var maxSeq: Int64
    /// userID → read watermark and marks.
    public var reads: [String: MarkedWatermark]
    /// recipient userID → delivery watermark and marks.
    public var deliveries: [String: MarkedWatermark]
    /// clientMsgID → allocated seq, for the recent client messages only.
    public var clientMessages: [String: Int64]

    public init(
        maxSeq: Int64 = 0, reads: [String: MarkedWatermark] = [:],
        deliveries: [String: MarkedWatermark] = [:], clientMessages: [String: Int64] = [:]
    ) {
        self.maxSeq = maxSeq
        self.reads = reads
        self.deliveries = deliveries
        self.clientMessages = clientMessages
    }
}
