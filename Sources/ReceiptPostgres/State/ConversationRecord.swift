import ReceiptCore

/// Everything PostgreSQL holds about one conversation: what a re-seed writes back
/// into Redis after Redis lost its data.
public struct ConversationRecord: Sendable, Equatable {
    /// 0 when the conversation has no `conversation_seq` row.
    public var maxSeq: Int64
    /// userID → read watermark and marks.
    public var reads: [IDKey: MarkedWatermark]
    /// recipient userID → delivery watermark and marks.
    public var deliveries: [IDKey: MarkedWatermark]
    /// A client message as stored (`ClientMessage.storedID`) → its seq, for the
    /// recent client messages only.
    public var clientMessages: [IDKey: Int64]
    /// userID → private read watermark.
    public var privateReads: [IDKey: Int64]

    public init(
        maxSeq: Int64 = 0, reads: [IDKey: MarkedWatermark] = [:],
        deliveries: [IDKey: MarkedWatermark] = [:], clientMessages: [IDKey: Int64] = [:],
        privateReads: [IDKey: Int64] = [:]
    ) {
        self.maxSeq = maxSeq
        self.reads = reads
        self.deliveries = deliveries
        self.clientMessages = clientMessages
        self.privateReads = privateReads
    }
}
