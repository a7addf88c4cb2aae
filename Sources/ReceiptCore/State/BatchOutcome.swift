/// What applying a batch decided.
public struct BatchOutcome: Sendable, Equatable {
    /// One per event, in event order.
    public var results: [EventResult] = []
    /// Conversation-level read watermarks that moved, latest value per user, grouped
    /// per conversation: the hot path, stored with a plain monotonic max.
    public var watermarkWrites: [WatermarkWrites] = []
    /// Watermarks with marks that changed (delivery acks, message-level reads),
    /// latest state per (conversation, user, kind), stored with an atomic fold.
    public var markedWrites: [MarkedWrite] = []
    /// Notifications to publish once the writes are stored, in event order.
    public var notifications: [Notification] = []
    /// Applied reads in group-like conversations, in event order, for the coalesced
    /// `groupHasRead` (see `GroupReadCoalescer`). Replays re-announce, so they are
    /// here again: at least once.
    public var groupReads: [GroupRead] = []
    /// The state of everything the batch touched, for the next flush to PostgreSQL.
    /// It holds resulting values, not only what moved: a replayed batch finds Redis
    /// already up to date and moves nothing, yet its state may never have reached
    /// PostgreSQL before the crash that caused the replay.
    public var changes = StateChanges()
    /// How many seqs the batch's receipts list (`markAsReadTips.seqs`,
    /// `deliveryTips.seqs`), held to `maxListedSeqsPerBatch`.
    public internal(set) var listedSeqs = 0

    public init() {}

    /// How many seqs the next receipt may list: `maxListedSeqs`, less once the
    /// batch's budget is nearly spent, and never fewer than one (the newest).
    func listLimit(_ configuration: BatchApplier.Configuration) -> Int {
        max(1, min(configuration.maxListedSeqs, configuration.maxListedSeqsPerBatch - listedSeqs))
    }
}

public enum EventResult: Sendable, Equatable {
    /// The event was applied (or re-applied: replays re-confirm) and announced.
    case applied
    /// The stored state is already past the event (an older read or ack); nothing
    /// changed and nothing is announced.
    case superseded
    /// The event repeats the stored state exactly (a client sending a read it sent
    /// before) and cannot be a replay: nothing changed and nothing is announced. A
    /// repeat that may be a replay is announced again (`applied`), since the first
    /// run's notifications may never have gone out.
    case unchanged
    /// The event breaks a rule that needs state; it goes to the dead-letter topic.
    case rejected(Rejection)
}

/// The read watermarks of one conversation to store with a monotonic max.
public struct WatermarkWrites: Sendable, Equatable {
    public var conversationID: String
    public var hasReadSeqs: [(userID: String, hasReadSeq: Int64)]
    /// Private read watermarks (`rcpt:{cid}:pread`) that moved.
    public var privateReadSeqs: [(userID: String, hasReadSeq: Int64)]

    public init(conversationID: String, hasReadSeqs: [(userID: String, hasReadSeq: Int64)],
                privateReadSeqs: [(userID: String, hasReadSeq: Int64)] = []) {
        self.conversationID = conversationID
        self.hasReadSeqs = hasReadSeqs
        self.privateReadSeqs = privateReadSeqs
    }

    public static func == (lhs: WatermarkWrites, rhs: WatermarkWrites) -> Bool {
        lhs.conversationID == rhs.conversationID
            && lhs.hasReadSeqs.elementsEqual(rhs.hasReadSeqs) { $0 == $1 }
            && lhs.privateReadSeqs.elementsEqual(rhs.privateReadSeqs) { $0 == $1 }
    }
}

/// One user's watermark and marks to store, whole: the store raises the watermark,
/// adds the marks and folds, so a repeated or late write never lowers anything.
public struct MarkedWrite: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Read state under message-level read: `rcpt:{cid}:read` and `:rx:{uid}`.
        case read
        /// Delivery state: `rcpt:{cid}:dlv` and `:dx:{uid}`.
        case delivery
    }

    public var kind: Kind
    public var conversationID: String
    public var userID: String
    public var state: MarkedWatermark

    public init(_ kind: Kind, conversationID: String, userID: String, state: MarkedWatermark) {
        self.kind = kind
        self.conversationID = conversationID
        self.userID = userID
        self.state = state
    }
}

/// A read applied in a group-like conversation: the reader's watermark after it.
public struct GroupRead: Sendable, Equatable {
    public var conversationID: String
    public var sessionType: SessionType
    public var userID: String
    public var hasReadSeq: Int64
    public var sourceEventID: String

    public init(conversationID: String, sessionType: SessionType, userID: String, hasReadSeq: Int64,
                sourceEventID: String) {
        self.conversationID = conversationID
        self.sessionType = sessionType
        self.userID = userID
        self.hasReadSeq = hasReadSeq
        self.sourceEventID = sourceEventID
    }
}
