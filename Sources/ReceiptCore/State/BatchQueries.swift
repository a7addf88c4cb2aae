/// Phase one of applying a batch: what must be read (and allocated) in Redis
/// before the batch's events can be checked and applied.
public enum BatchQueries {
    /// One query per conversation the events touch, in first-seen order. Readers of a
    /// session type under message-level read (`exactReadSessionTypes`) are asked for
    /// their read marks too, and so is the sender of a new message there: sending
    /// reads one's own message. The recipient of an ack is asked for their read state
    /// as well: what they read counts as delivered. A private reader is asked for
    /// their private watermark too.
    ///
    /// `positions`, when given, holds each event's stream position (its Kafka
    /// offset; all events of a conversation share a partition, so their positions
    /// compare).
    public static func make(
        for events: [ReceiptEvent], positions: [Int64]? = nil, exactReadSessionTypes: Set<SessionType> = []
    ) -> [ConversationQuery] {
        var queries: [ConversationQuery] = []
        var index: [IDKey: Int] = [:]
        index.reserveCapacity(events.count)
        // A user is named once per query; the query's slot stands for its conversation.
        var seenReaders: Set<ReaderKey> = []
        seenReaders.reserveCapacity(events.count)
        var seenRecipients: Set<ReaderKey> = []
        var seenPrivateReaders: Set<ReaderKey> = []
        for (number, event) in events.enumerated() {
            let position = positions?[number]
            let slot: Int
            let conversation = IDKey(event.conversationID)
            if let existing = index[conversation] {
                slot = existing
            } else {
                slot = queries.count
                index[conversation] = slot
                queries.append(ConversationQuery(conversationID: event.conversationID))
                queries[slot].firstPosition = position
            }
            let key = ReaderKey(slot: slot, userID: event.userID)
            let exact = exactReadSessionTypes.contains(event.sessionType)
            switch event.body {
            case .newMessage(let clientMsgID):
                queries[slot].allocations.append((clientMsgID, event.userID))
                if let position { queries[slot].allocationPositions.append(position) }
                if exact, seenReaders.insert(key).inserted {
                    queries[slot].readers.append(event.userID)
                    queries[slot].markedReaders.append(event.userID)
                }
            case .markMessagesAsRead, .markConversationAsRead, .setConversationHasReadSeq:
                queries[slot].needsMaxSeq = true
                if seenReaders.insert(key).inserted {
                    queries[slot].readers.append(event.userID)
                    if exact { queries[slot].markedReaders.append(event.userID) }
                }
                if event.isPrivate, seenPrivateReaders.insert(key).inserted {
                    queries[slot].privateReaders.append(event.userID)
                }
            case .messageDelivered:
                queries[slot].needsMaxSeq = true
                if seenRecipients.insert(key).inserted { queries[slot].recipients.append(event.userID) }
                // Read implies delivered: an ack is checked against what the recipient read too.
                if seenReaders.insert(key).inserted {
                    queries[slot].readers.append(event.userID)
                    if exact { queries[slot].markedReaders.append(event.userID) }
                }
            }
        }
        return queries
    }
}

/// A user of the query at `slot`: hashes an integer and one ID, not two. Equal by
/// the userID's bytes (`IDKey`).
struct ReaderKey: Hashable {
    let slot: Int
    let userID: String

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.slot == rhs.slot && IDKey.same(lhs.userID, rhs.userID)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(slot)
        IDKey.hash(userID, into: &hasher)
    }
}
