import ReceiptCore
import ReceiptRedis

extension StateChanges {
    /// The changes of the conversations whose keys live in `slots` of a Redis
    /// Cluster: what a rebuild of those slots alone writes. nil: all of them.
    func inSlots(_ slots: Set<Int>?) -> StateChanges {
        guard let slots else { return self }
        var memo: [String: Bool] = [:]
        let keep = { (conversationID: String) -> Bool in
            if let known = memo[conversationID] { return known }
            let inside = CheckScope.slot(of: conversationID).slot.map(slots.contains) ?? false
            memo[conversationID] = inside
            return inside
        }
        var part = StateChanges()
        part.maxSeqs = maxSeqs.filter { keep($0.key.id) }
        part.reads = reads.filter { keep($0.key.conversationID) }
        part.deliveries = deliveries.filter { keep($0.key.conversationID) }
        part.privateReads = privateReads.filter { keep($0.key.conversationID) }
        part.clientMessages = clientMessages.filter { keep($0.key.conversationID) }
        return part
    }
}
