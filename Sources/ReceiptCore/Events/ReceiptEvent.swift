/// One validated event of contract v1, decoded from one Kafka record of
/// `im.receipt.events`. A value of this type has passed every check that needs no
/// state: required fields present, seqs positive, array sizes within limits, delivery
/// acks only in single chats. Checks against stored state (`seq_above_max`) happen
/// when the batch is applied.
public struct ReceiptEvent: Sendable, Equatable {
    /// Unique per event; carried into `sourceEventIDs` of every notification it causes.
    public var eventID: String
    /// The actor: the sender of `newMsg`, the reader or the recipient acknowledging.
    public var userID: String
    public var conversationID: String
    public var sessionType: SessionType
    /// Milliseconds since the epoch, as the gateway stamped it, when given.
    public var sendTime: Int64?
    /// The other user of a single chat. Required for read and delivery events in
    /// single chats (the receipt goes to them); nil in groups.
    public var peerUserID: String?
    public var body: Body
    /// A private read (`"private": true`): it moves the reader's own read state and
    /// is told to the reader's own devices only; no peer, no group, no read count or
    /// readers list learns of it. Only read events are private.
    public var isPrivate: Bool

    public enum Body: Sendable, Equatable {
        /// Allocate the next seq of the conversation, idempotent by `clientMsgID`.
        case newMessage(clientMsgID: String)
        /// Mark these seqs read. Non-empty.
        case markMessagesAsRead(seqs: [Int64])
        /// Everything in (old hasReadSeq, hasReadSeq] is read, plus `seqs`.
        case markConversationAsRead(hasReadSeq: Int64, seqs: [Int64])
        /// Set the read watermark; it never moves backwards.
        case setConversationHasReadSeq(hasReadSeq: Int64)
        /// Delivery acks of a single chat: individual `seqs`, or everything up to
        /// `deliveredSeq`, or both.
        case messageDelivered(seqs: [Int64], deliveredSeq: Int64?)
    }

    public init(
        eventID: String, userID: String, conversationID: String, sessionType: SessionType,
        sendTime: Int64? = nil, peerUserID: String? = nil, body: Body, isPrivate: Bool = false
    ) {
        self.eventID = eventID
        self.userID = userID
        self.conversationID = conversationID
        self.sessionType = sessionType
        self.sendTime = sendTime
        self.peerUserID = peerUserID
        self.body = body
        self.isPrivate = isPrivate
    }

    /// The highest seq a read event names (what a conversation-level read reads up
    /// to); nil for the events that do not read.
    public var highestReadSeq: Int64? {
        switch body {
        case .markMessagesAsRead(let seqs): seqs.max() ?? 0
        case .markConversationAsRead(let hasReadSeq, let seqs): max(hasReadSeq, seqs.max() ?? 0)
        case .setConversationHasReadSeq(let hasReadSeq): hasReadSeq
        case .newMessage, .messageDelivered: nil
        }
    }

    public var type: EventType {
        switch body {
        case .newMessage: .newMsg
        case .markMessagesAsRead: .markMsgsAsRead
        case .markConversationAsRead: .markConversationAsRead
        case .setConversationHasReadSeq: .setConversationHasReadSeq
        case .messageDelivered: .msgDelivered
        }
    }
}

/// The `type` field of an event, spelled as on the wire.
public enum EventType: String, Sendable, CaseIterable {
    case newMsg
    case markMsgsAsRead
    case markConversationAsRead
    case setConversationHasReadSeq
    case msgDelivered

    /// The three events that read.
    public var isRead: Bool {
        switch self {
        case .markMsgsAsRead, .markConversationAsRead, .setConversationHasReadSeq: true
        case .newMsg, .msgDelivered: false
        }
    }
}

/// OpenIM's conversation types.
public enum SessionType: Int, Sendable, CaseIterable {
    case single = 1
    case group = 2
    case superGroup = 3
    case notification = 4

    /// Group and notification conversations: receipts go to the reader's own devices
    /// and, coalesced, to the group.
    public var isGroupLike: Bool { self != .single }
}
