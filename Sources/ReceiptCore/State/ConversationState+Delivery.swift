/// The delivery rules (single chats; the decoder refuses acks elsewhere). A
/// recipient's acks are a marked watermark: `deliveredSeq` acks everything up to it,
/// `seqs` ack individual messages; acks contiguous with the watermark fold into it
/// and the rest stay marked above it, leaving gaps (missed or skipped messages).
extension ConversationState {
    /// Applies one `msgDelivered`. A seq above maxSeq is rejected. `deliveryReceipt`
    /// goes to the peer with the continuous watermark and the newly acked seqs. An
    /// ack that adds nothing is superseded when the stored state is already past its
    /// highest seq, and re-announced (with no new seqs) when it is not: a replay.
    mutating func deliver(
        _ event: ReceiptEvent, seqs: [Int64], through deliveredSeq: Int64?, quietRepeat: Bool = false,
        _ outcome: inout BatchOutcome
    ) -> EventResult {
        let highest = max(deliveredSeq ?? 0, seqs.max() ?? 0)
        if let rejection = checkExists(highest) { return .rejected(rejection) }
        let recipient = IDKey(event.userID)
        let before = deliveries[recipient] ?? MarkedWatermark()
        let (after, newlyAcked) = before.covering(
            through: deliveredSeq, seqs: seqs, maxMarks: configuration.maxMarksPerUser, newest: outcome.listLimit(configuration))
        if after != before {
            deliveries[recipient] = after
            movedRecipients.insert(recipient)
        } else if highest < before.highestCovered {
            return .superseded
        } else if quietRepeat {
            return .unchanged
        }
        outcome.listedSeqs += newlyAcked.count
        let tips = DeliveryTips(
            deliveredUserID: event.userID, conversationID: event.conversationID,
            deliveredSeq: after.watermark, seqs: newlyAcked)
        for recvID in Routing.deliveryReceiptRecipients(of: event) {
            outcome.notifications.append(Notification(
                recvID: recvID, sessionType: event.sessionType, conversationID: event.conversationID,
                sourceEventIDs: [event.eventID], payload: .deliveryReceipt(tips)))
        }
        return .applied
    }
}

/// Read implies delivered (single chats, as Tinode does): whatever a user has read
/// reached one of their devices, so their delivered state is the union of what they
/// acked and what they read (`rcpt:{cid}:read` and `:rx:{uid}`). It is derived
/// where it is used, never written by a read: the read path stays as cheap as
/// before, and a Redis re-seed restores it with the read state. No
/// `deliveryReceipt` is sent for a read: the `hasReadReceipt` says it.
///
/// Here, the recipients of the batch's acks: their snapshot is the union (phase one
/// reads their read state too), and a read before an ack in the batch raises it, so
/// the ack announces only what neither covered.
extension ConversationState {
    mutating func deliverByRead(_ event: ReceiptEvent, through watermark: Int64?, seqs: [Int64]) {
        let reader = IDKey(event.userID)
        guard event.sessionType == .single, let before = deliveries[reader] else { return }
        deliveries[reader] = before.covering(
            through: watermark, seqs: seqs, maxMarks: configuration.maxMarksPerUser, newest: 0).state
    }
}
