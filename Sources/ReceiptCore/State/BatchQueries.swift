/// Phase one of applying a batch: what must be read (and allocated) in Redis
/// before the batch's events can be checked and applied.
public enum BatchQueries {
    /// One query per conversation the events touch, in first-seen order.
    public static func make(for events: [ReceiptEvent]) -> [ConversationQuery] {
        var queries: [ConversationQuery] = []
        var index: [String: Int] = [:]
        var seenReaders: Set<ReaderKey> = []
        for event in events {
            let slot: Int
            if let existing = index[event.conversationID] {
                slot = existing
            } else {
                slot = queries.count
                index[event.conversationID] = slot
                queries.append(ConversationQuery(conversationID: event.conversationID))
            }
            switch event.body {
            case .newMessage(let clientMsgID):
                queries[slot].allocations.append((clientMsgID, event.userID))
            case .markMessagesAsRead, .markConversationAsRead, .setConversationHasReadSeq:
                queries[slot].needsMaxSeq = true
                if seenReaders.insert(ReaderKey(conversationID: event.conversationID, userID: event.userID)).inserted {
                    queries[slot].readers.append(event.userID)
                }
            case .messageDelivered:
                queries[slot].needsMaxSeq = true
            }
        }
        return queries
    }
}

struct ReaderKey: Hashable {
    let conversationID: String
    let userID: String
}
