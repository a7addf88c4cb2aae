/// Who is told about a read, following OpenIM's `sendMarkAsReadNotification`.
public enum Routing {
    /// A single chat's read goes to the peer (their "read" ticks) and to the reader's
    /// own other devices. `setConversationHasReadSeq` is a sync of the reader's own
    /// state and goes to the reader only, as in OpenIM. Group and notification
    /// conversations go to the reader's own devices; the group learns through the
    /// coalesced `groupHasRead`. A private read goes to the reader only.
    ///
    /// Returns the peer when it is told, then the reader, who always is.
    static func readReceiptPeerAndReader(of event: ReceiptEvent) -> (peer: String?, reader: String) {
        guard !event.isPrivate, event.sessionType == .single, let peer = event.peerUserID,
              !IDKey.same(peer, event.userID) else {
            return (nil, event.userID)
        }
        if case .setConversationHasReadSeq = event.body { return (nil, event.userID) }
        return (peer, event.userID)
    }
}

extension Routing {
    /// A delivery ack goes to the peer: the sender of the messages, whose "delivered"
    /// ticks it drives. Acks exist in single chats only.
    public static func deliveryReceiptRecipients(of event: ReceiptEvent) -> [String] {
        guard let peer = event.peerUserID else { return [] }
        return [peer]
    }
}
