/// One record for `im.receipt.notify`, keyed by `recvID`.
public struct Notification: Sendable, Equatable {
    /// The user (or, for `groupHasRead`, the conversation) the push side delivers to.
    public var recvID: String
    public var sessionType: SessionType
    public var conversationID: String
    /// The events this notification reports, for tracing and de-duplication.
    public var sourceEventIDs: [String]
    public var payload: Payload

    public init(recvID: String, sessionType: SessionType, conversationID: String, sourceEventIDs: [String], payload: Payload) {
        self.recvID = recvID
        self.sessionType = sessionType
        self.conversationID = conversationID
        self.sourceEventIDs = sourceEventIDs
        self.payload = payload
    }

    public enum Payload: Sendable, Equatable {
        case hasReadReceipt(MarkAsReadTips)
        case seqAssigned(clientMsgID: String, seq: Int64, sendID: String)
        case deliveryReceipt(DeliveryTips)
        case groupHasRead(GroupHasReadTips)
    }

    public var type: NotificationType {
        switch payload {
        case .hasReadReceipt: .hasReadReceipt
        case .seqAssigned: .seqAssigned
        case .deliveryReceipt: .deliveryReceipt
        case .groupHasRead: .groupHasRead
        }
    }
}

/// The `type` field of a notification, spelled as on the wire.
public enum NotificationType: String, Sendable, CaseIterable {
    case hasReadReceipt
    case seqAssigned
    case deliveryReceipt
    case groupHasRead
}

/// OpenIM's MarkAsReadTips: `seqs` lists the seqs this event made read, ascending;
/// `hasReadSeq` is the reader's watermark after the event.
public struct MarkAsReadTips: Sendable, Equatable {
    public var markAsReadUserID: String
    public var conversationID: String
    public var seqs: [Int64]
    public var hasReadSeq: Int64

    public init(markAsReadUserID: String, conversationID: String, seqs: [Int64], hasReadSeq: Int64) {
        self.markAsReadUserID = markAsReadUserID
        self.conversationID = conversationID
        self.seqs = seqs
        self.hasReadSeq = hasReadSeq
    }
}

/// `deliveredSeq` is the continuous delivered watermark; `seqs` the newly acked seqs.
public struct DeliveryTips: Sendable, Equatable {
    public var deliveredUserID: String
    public var conversationID: String
    public var deliveredSeq: Int64
    public var seqs: [Int64]

    public init(deliveredUserID: String, conversationID: String, deliveredSeq: Int64, seqs: [Int64]) {
        self.deliveredUserID = deliveredUserID
        self.conversationID = conversationID
        self.deliveredSeq = deliveredSeq
        self.seqs = seqs
    }
}

/// The members whose read watermark moved in one coalescing window.
public struct GroupHasReadTips: Sendable, Equatable {
    public var conversationID: String
    public var readers: [Reader]
    /// When a window's readers were split over several records (by count or by
    /// encoded size), this record's place among them, 1-based, and their number;
    /// nil when one record holds them all.
    public var part: (index: Int, of: Int)?

    public struct Reader: Sendable, Equatable {
        public var userID: String
        public var hasReadSeq: Int64
        public init(userID: String, hasReadSeq: Int64) {
            self.userID = userID
            self.hasReadSeq = hasReadSeq
        }
    }

    public init(conversationID: String, readers: [Reader], part: (index: Int, of: Int)? = nil) {
        self.conversationID = conversationID
        self.readers = readers
        self.part = part
    }

    public static func == (lhs: GroupHasReadTips, rhs: GroupHasReadTips) -> Bool {
        lhs.conversationID == rhs.conversationID && lhs.readers == rhs.readers
            && lhs.part?.index == rhs.part?.index && lhs.part?.of == rhs.part?.of
    }
}
