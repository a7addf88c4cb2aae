/// Phase one of applying a batch: what must be read (and allocated) in Redis
/// before the batch's events can be checked and applied.
public enum BatchQueries {
    /// One query per conversation the events touch, in first-seen order. Readers of a
    /// session type under message-level read (`exactReadSessionTypes`) are asked for
    /// their read marks too, and so is the sender of a new message there: sending
    /// reads one's own message.
    ///
    /// `positions`, when given, holds each event's stream position (its Kafka
    /// offset; all events of a conversation share a partition, so their positions
    /// compare).
    public static func make(
        for events: [ReceiptEvent], positions: [Int64]? = nil, exactReadSessionTypes: Set<SessionType> = []
    ) -> [ConversationQuery] {
        var queries: [ConversationQuery] = []
        var index: [String: Int] = [:]
        var seenReaders: Set<ReaderKey> = []
        var seenRecipients: Set<ReaderKey> = []
        for (number, event) in events.enumerated() {
            let position = positions?[number]
            let slot: Int
            if let existing = index[event.conversationID] {
                slot = existing
            } else {
                slot = queries.count
                index[event.conversationID] = slot
                queries.append(ConversationQuery(conversationID: event.conversationID))
                queries[slot].firstPosition = position
            }
            let key = ReaderKey(conversationID: event.conversationID, userID: event.userID)
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
            case .messageDelivered:
                queries[slot].needsMaxSeq = true
                if seenRecipients.insert(key).inserted { queries[slot].recipients.append(event.userID) }
            }
        }
        return queries
    }
}

struct ReaderKey: Hashable {
    let conversationID: String
    let userID: String
}
