/// State changed since the last flush to PostgreSQL, coalesced: the latest value
/// per key. Every value is monotonic (a maxSeq, a watermark, a set of marked seqs
/// only grow), so merging two change sets is a per-key max or union, and writing
/// the same changes twice, or an older set after a newer one, changes nothing.
public struct StateChanges: Sendable, Equatable {
    /// conversationID → highest allocated seq.
    public var maxSeqs: [String: Int64] = [:]
    /// (conversation, user) → read watermark and the seqs read above it.
    public var reads: [ConversationUser: MarkedWatermark] = [:]
    /// (conversation, recipient) → delivery watermark and the seqs acked above it.
    public var deliveries: [ConversationUser: MarkedWatermark] = [:]
    /// (conversation, clientMsgID) → the seq allocated to that client message.
    public var clientMessages: [ClientMessage: Int64] = [:]

    public init() {}

    public var isEmpty: Bool {
        maxSeqs.isEmpty && reads.isEmpty && deliveries.isEmpty && clientMessages.isEmpty
    }

    /// Rows a flush of these changes writes; the bound that triggers an early flush.
    public var rowCount: Int { maxSeqs.count + reads.count + deliveries.count + clientMessages.count }

    public mutating func recordMaxSeq(_ conversationID: String, _ seq: Int64) {
        if seq > maxSeqs[conversationID] ?? 0 { maxSeqs[conversationID] = seq }
    }

    public mutating func recordRead(_ key: ConversationUser, _ state: MarkedWatermark) {
        reads[key, default: MarkedWatermark()].merge(state)
    }

    public mutating func recordDelivery(_ key: ConversationUser, _ state: MarkedWatermark) {
        deliveries[key, default: MarkedWatermark()].merge(state)
    }

    public mutating func recordClientMessage(_ key: ClientMessage, seq: Int64) {
        clientMessages[key] = seq
    }

    /// Adds `other` into these changes, keeping the higher value of every key.
    public mutating func merge(_ other: StateChanges) {
        maxSeqs.merge(other.maxSeqs) { max($0, $1) }
        for (key, state) in other.reads { recordRead(key, state) }
        for (key, state) in other.deliveries { recordDelivery(key, state) }
        clientMessages.merge(other.clientMessages) { first, _ in first }
    }
}

public struct ConversationUser: Hashable, Sendable {
    public var conversationID: String
    public var userID: String

    public init(_ conversationID: String, _ userID: String) {
        self.conversationID = conversationID
        self.userID = userID
    }
}

public struct ClientMessage: Hashable, Sendable {
    public var conversationID: String
    public var clientMsgID: String

    public init(_ conversationID: String, _ clientMsgID: String) {
        self.conversationID = conversationID
        self.clientMsgID = clientMsgID
    }
}
