/// Phase two of applying a batch: checks each event against the state read in phase
/// one, in event order, and works out the watermark writes and the notifications.
///
/// Pure: the same events and snapshots always give the same outcome. Events of one
/// conversation see the effects of the events before them in the batch, exactly as
/// if they were applied one at a time.
public struct BatchApplier: Sendable {
    public struct Configuration: Sendable {
        /// The most seqs one `markAsReadTips.seqs` lists. A longer range lists its
        /// newest seqs; `hasReadSeq` still covers all of it. Default: 10,000.
        public var maxListedSeqs: Int = 10_000

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public func apply(_ events: [ReceiptEvent], snapshots: [String: ConversationSnapshot]) -> BatchOutcome {
        var state: [String: ConversationState] = [:]
        var order: [String] = []
        var outcome = BatchOutcome()
        outcome.results.reserveCapacity(events.count)
        for event in events {
            let cid = event.conversationID
            if state[cid] == nil {
                state[cid] = ConversationState(snapshots[cid] ?? ConversationSnapshot())
                order.append(cid)
            }
            let result = state[cid]!.apply(event, configuration: configuration, notifications: &outcome.notifications)
            outcome.results.append(result)
        }
        for cid in order {
            let conversation = state[cid]!
            let writes = conversation.watermarkWrites()
            if !writes.isEmpty {
                outcome.watermarkWrites.append(WatermarkWrites(conversationID: cid, hasReadSeqs: writes))
            }
            conversation.record(cid, into: &outcome.changes)
        }
        return outcome
    }
}

/// What applying a batch decided.
public struct BatchOutcome: Sendable, Equatable {
    /// One per event, in event order.
    public var results: [EventResult] = []
    /// Read watermarks that moved, latest value per user, grouped per conversation.
    public var watermarkWrites: [WatermarkWrites] = []
    /// Notifications to publish once the writes are stored, in event order.
    public var notifications: [Notification] = []
    /// The state of everything the batch touched, for the next flush to PostgreSQL.
    /// It holds resulting values, not only what moved: a replayed batch finds Redis
    /// already up to date and moves nothing, yet its state may never have reached
    /// PostgreSQL before the crash that caused the replay.
    public var changes = StateChanges()

    public init() {}
}

public enum EventResult: Sendable, Equatable {
    /// The event was applied (or re-applied: replays re-confirm) and announced.
    case applied
    /// The stored state is already past the event (an older or repeated read);
    /// nothing changed and nothing is announced.
    case superseded
    /// The event breaks a rule that needs state; it goes to the dead-letter topic.
    case rejected(Rejection)
}

/// The read watermarks of one conversation to store with a monotonic max.
public struct WatermarkWrites: Sendable, Equatable {
    public var conversationID: String
    public var hasReadSeqs: [(userID: String, hasReadSeq: Int64)]

    public init(conversationID: String, hasReadSeqs: [(userID: String, hasReadSeq: Int64)]) {
        self.conversationID = conversationID
        self.hasReadSeqs = hasReadSeqs
    }

    public static func == (lhs: WatermarkWrites, rhs: WatermarkWrites) -> Bool {
        lhs.conversationID == rhs.conversationID
            && lhs.hasReadSeqs.elementsEqual(rhs.hasReadSeqs) { $0 == $1 }
    }
}
