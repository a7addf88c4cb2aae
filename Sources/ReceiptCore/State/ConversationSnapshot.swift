/// What a batch read of one conversation's state before applying it: the state the
/// batch's events are checked and applied against. Users are keyed by their bytes.
public struct ConversationSnapshot: Sendable, Equatable {
    /// The conversation's highest allocated seq before this batch's allocations.
    public var maxSeq: Int64
    /// Read watermarks before the batch, for the users the batch's read events name.
    /// A user missing here has read nothing.
    public var hasReadSeqs: [IDKey: Int64]
    /// Seqs read individually above the watermark (`rcpt:{cid}:rx:{uid}`), for the
    /// readers of conversations under message-level (exact) read.
    public var readMarks: [IDKey: [Int64]]
    /// Delivery state before the batch (`rcpt:{cid}:dlv` and `:dx:{uid}`), for the
    /// recipients the batch's `msgDelivered` events name, each present (an empty
    /// state when nothing was acked). The applier unites it with their read state.
    public var deliveries: [IDKey: MarkedWatermark]
    /// Private read watermarks (`rcpt:{cid}:pread`) before the batch, for the users
    /// the batch's private reads name. A user missing here has read nothing privately.
    public var privateReadSeqs: [IDKey: Int64]
    /// The seq given to each `newMsg` of this conversation in the batch, in event
    /// order (a repeated clientMsgID gets its first seq again).
    public var allocatedSeqs: [Int64]

    public init(
        maxSeq: Int64 = 0, hasReadSeqs: [IDKey: Int64] = [:], readMarks: [IDKey: [Int64]] = [:],
        deliveries: [IDKey: MarkedWatermark] = [:], allocatedSeqs: [Int64] = [],
        privateReadSeqs: [IDKey: Int64] = [:]
    ) {
        self.maxSeq = maxSeq
        self.hasReadSeqs = hasReadSeqs
        self.readMarks = readMarks
        self.deliveries = deliveries
        self.privateReadSeqs = privateReadSeqs
        self.allocatedSeqs = allocatedSeqs
    }
}

/// What a batch needs to know about one conversation before it can be applied.
public struct ConversationQuery: Sendable, Equatable {
    public let conversationID: String
    /// Whether any event needs maxSeq for validation.
    public var needsMaxSeq = false
    /// Users whose current watermark the batch must know, in first-seen order.
    public var readers: [String] = []
    /// Readers whose read marks the batch must know too (message-level read), in
    /// first-seen order; each is also in `readers`.
    public var markedReaders: [String] = []
    /// Recipients whose delivery watermark and acked seqs the batch must know, in
    /// first-seen order.
    public var recipients: [String] = []
    /// Users whose private read watermark the batch must know (they read privately),
    /// in first-seen order; each is also in `readers`.
    public var privateReaders: [String] = []
    /// The `newMsg` events to allocate, in event order: clientMsgID and sender.
    public var allocations: [(clientMsgID: String, senderID: String)] = []
    /// The stream position (Kafka offset) of each allocation's event, in the same
    /// order as `allocations`, when the events' positions are known.
    public var allocationPositions: [Int64] = []
    /// The position of the conversation's first event in the batch. A replayed
    /// batch meets seqs that an earlier run already allocated for events at or
    /// after this position; they are not counted in the maxSeq the batch's events
    /// are checked against, so a replay reaches the same verdicts as the first run.
    public var firstPosition: Int64?

    public init(conversationID: String) {
        self.conversationID = conversationID
    }

    public static func == (lhs: ConversationQuery, rhs: ConversationQuery) -> Bool {
        IDKey.same(lhs.conversationID, rhs.conversationID) && lhs.needsMaxSeq == rhs.needsMaxSeq
            && lhs.readers == rhs.readers && lhs.markedReaders == rhs.markedReaders
            && lhs.recipients == rhs.recipients && lhs.privateReaders == rhs.privateReaders
            && lhs.allocations.elementsEqual(rhs.allocations) { $0 == $1 }
            && lhs.allocationPositions == rhs.allocationPositions && lhs.firstPosition == rhs.firstPosition
    }
}
