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
        _ event: ReceiptEvent, seqs: [Int64], through deliveredSeq: Int64?, _ outcome: inout BatchOutcome
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

/// Read implies delivered (single chats, as Tinode does): what a reader has read
/// reached one of their devices. A conversation-level read up to s raises the
/// reader's delivered watermark to s; an exact read marks exactly the seqs it read.
/// No `deliveryReceipt` is sent for it: the peer's `hasReadReceipt` already says so
/// (a client counts a seq delivered once either receipt covers it).
///
/// The reader's delivery state may not have been read in phase one (only the
/// recipients of the batch's acks are); then it starts from nothing here, which
/// stores the same: every delivery write is a monotonic merge. An ack of the same
/// reader in the batch makes them a recipient, so acks always see the whole state.
extension ConversationState {
    mutating func deliverByRead(_ event: ReceiptEvent, through watermark: Int64?, seqs: [Int64]) {
        guard event.sessionType == .single else { return }
        let reader = IDKey(event.userID)
        let before = deliveries[reader] ?? MarkedWatermark()
        let (after, _) = before.covering(
            through: watermark, seqs: seqs, maxMarks: configuration.maxMarksPerUser, newest: 0)
        guard after != before else { return }
        deliveries[reader] = after
        if before.marks.isEmpty && after.marks.isEmpty {
            deliveredByRead.insert(reader)
        } else {
            movedRecipients.insert(reader)
        }
    }
}
