/// Phase two of applying a batch: checks each event against the state read in phase
/// one, in event order, and works out the state writes and the notifications.
///
/// Pure: the same events and snapshots always give the same outcome. Events of one
/// conversation see the effects of the events before them in the batch, exactly as
/// if they were applied one at a time.
public struct BatchApplier: Sendable {
    public struct Configuration: Sendable {
        /// The most seqs one `markAsReadTips.seqs` or `deliveryTips.seqs` lists. A
        /// longer range lists its newest seqs; the watermark still covers all of it.
        /// Default: 10,000.
        public var maxListedSeqs: Int = 10_000
        /// The most seqs all receipts of one batch list together. Past it, each
        /// receipt lists only its newest seq; the watermark it carries still covers
        /// everything. What bounds a flood of small reads of long ranges (each would
        /// list 10,000 seqs) to a few MB per batch. Default: 200,000.
        public var maxListedSeqsPerBatch: Int = 200_000
        /// Session types under message-level (exact) read: only the seqs reported are
        /// read, and the watermark advances over a contiguous prefix only. Every other
        /// session type reads conversation-level: reading s reads everything ≤ s.
        /// Default: none.
        public var exactReadSessionTypes: Set<SessionType> = []
        /// The most marks (read or acked seqs above a watermark) kept per user; beyond
        /// it the highest are forgotten and read as not covered. Default: 10,000.
        public var maxMarksPerUser: Int = 10_000

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// Phase one for `events` under this configuration.
    public func queries(for events: [ReceiptEvent], positions: [Int64]? = nil) -> [ConversationQuery] {
        BatchQueries.make(for: events, positions: positions, exactReadSessionTypes: configuration.exactReadSessionTypes)
    }

    /// Applies `events` to `snapshots`. `firstRuns`, when given, says per event
    /// whether it is certainly seen for the first time (its record came after every
    /// record that may have been applied before, `ReplayHorizons`): such an event
    /// that changes nothing is `unchanged` and not announced. Without it every event
    /// may be a replay, and a repeat is announced again.
    public func apply(_ events: [ReceiptEvent], snapshots: [IDKey: ConversationSnapshot],
                      firstRuns: [Bool]? = nil) -> BatchOutcome {
        // Conversations in first-seen order; `slots` finds an event's with one lookup.
        var conversations: [(id: String, state: ConversationState)] = []
        var slots: [IDKey: Int] = [:]
        slots.reserveCapacity(snapshots.count)
        var outcome = BatchOutcome()
        outcome.results.reserveCapacity(events.count)
        outcome.notifications.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            let cid = IDKey(event.conversationID)
            let slot: Int
            if let existing = slots[cid] {
                slot = existing
            } else {
                slot = conversations.count
                slots[cid] = slot
                conversations.append(
                    (cid.id, ConversationState(snapshots[cid] ?? ConversationSnapshot(), configuration: configuration)))
            }
            let quietRepeat = firstRuns?[index] ?? false
            outcome.results.append(conversations[slot].state.apply(event, quietRepeat: quietRepeat, into: &outcome))
        }
        outcome.changes.reserveCapacity(
            maxSeqs: conversations.count,
            reads: conversations.reduce(0) { $0 + $1.state.reads.count },
            deliveries: conversations.reduce(0) { $0 + $1.state.deliveries.count },
            clientMessages: conversations.reduce(0) { $0 + $1.state.allocations.count })
        for slot in conversations.indices {  // by index: each state is read in place, not copied
            let cid = conversations[slot].id
            let writes = conversations[slot].state.watermarkWrites()
            let privateWrites = conversations[slot].state.privateWatermarkWrites()
            if !writes.isEmpty || !privateWrites.isEmpty {
                outcome.watermarkWrites.append(
                    WatermarkWrites(conversationID: cid, hasReadSeqs: writes, privateReadSeqs: privateWrites))
            }
            outcome.markedWrites += conversations[slot].state.markedWrites(cid)
            conversations[slot].state.record(cid, into: &outcome.changes)
        }
        return outcome
    }
}
