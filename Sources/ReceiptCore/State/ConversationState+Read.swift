/// The read rules. Conversation-level read (the default): reading s reads
/// everything ≤ s. Message-level (exact) read: only the seqs reported are read, and
/// the watermark advances over a contiguous prefix only. In both, a read covers
/// `markConversationAsRead`'s whole range (old, hasReadSeq], the tips list the
/// newly read seqs and carry the watermark after, and a read older than the stored
/// state is superseded while an equal one re-announces (a replay re-confirms),
/// unless it cannot be a replay (`quietRepeat`): then it is `unchanged`.
extension ConversationState {
    /// Conversation-level read up to `target`.
    mutating func readUpTo(_ event: ReceiptEvent, target: Int64, quietRepeat: Bool = false,
                           _ outcome: inout BatchOutcome) -> EventResult {
        if let rejection = checkExists(target) { return .rejected(rejection) }
        // Advancing to a target below the watermark changes nothing, so the order of
        // the move and the check does not matter; one lookup serves both.
        let (current, madeRead) = advance(event.userID, to: target)
        guard target >= current else { return .superseded }
        if quietRepeat, madeRead.isEmpty { return .unchanged }
        deliverByRead(event, through: target, seqs: [])
        announceRead(event, seqs: madeRead.newest(outcome.listLimit(configuration)), hasReadSeq: max(current, target),
                     &outcome)
        return .applied
    }

    /// Message-level read: the watermark moves to `through` (the whole range is
    /// read), then `seqs` are marked and contiguous marks fold into the watermark.
    mutating func readExactly(
        _ event: ReceiptEvent, through hasReadSeq: Int64?, seqs: [Int64], quietRepeat: Bool = false,
        _ outcome: inout BatchOutcome
    ) -> EventResult {
        if let rejection = checkExists(max(hasReadSeq ?? 0, seqs.max() ?? 0)) { return .rejected(rejection) }
        let before = reads[IDKey(event.userID)] ?? MarkedWatermark()
        let newlyRead = markRead(event.userID, through: hasReadSeq, seqs: seqs, listing: outcome.listLimit(configuration))
        if newlyRead.isEmpty, max(hasReadSeq ?? 0, seqs.max() ?? 0) < before.highestCovered {
            return .superseded
        }
        if quietRepeat, newlyRead.isEmpty, reads[IDKey(event.userID)] ?? MarkedWatermark() == before { return .unchanged }
        deliverByRead(event, through: hasReadSeq, seqs: seqs)
        announceRead(event, seqs: newlyRead, hasReadSeq: reads[IDKey(event.userID)]?.watermark ?? 0, &outcome)
        return .applied
    }

    /// A private read (`"private": true`): conversation-level in both read models,
    /// up to its highest seq. It moves the reader's private watermark only, so read
    /// counts, reader lists, `groupHasRead` and delivery state never see it, and it is
    /// told to the reader's own devices alone, with the seqs it newly read for them
    /// (above their public watermark and their private one). A private read below
    /// either is superseded; an equal one re-announces (a replay re-confirms).
    mutating func readPrivately(_ event: ReceiptEvent, quietRepeat: Bool = false,
                                _ outcome: inout BatchOutcome) -> EventResult {
        guard let target = event.highestReadSeq else { preconditionFailure("only a read is private") }
        if let rejection = checkExists(target) { return .rejected(rejection) }
        let reader = IDKey(event.userID)
        let privately = privateReads[reader] ?? 0
        let own = max(reads[reader]?.watermark ?? 0, privately)
        guard target >= own else { return .superseded }
        // Nothing moves: not the reader's position, nor the private watermark.
        if quietRepeat, target == own, target <= privately { return .unchanged }
        if target > privately {
            privateReads[reader] = target
            movedPrivateReaders.insert(reader)
        }
        let seqs = SeqRange(from: own + 1, through: target).newest(outcome.listLimit(configuration))
        announceRead(event, seqs: seqs, hasReadSeq: target, &outcome)
        return .applied
    }

    /// Advances a conversation-level watermark; returns the watermark before and the
    /// seqs this made read. A user with no state gets an empty one (watermark 0),
    /// which reads, records and writes exactly like no state.
    @discardableResult
    mutating func advance(_ userID: String, to seq: Int64) -> (before: Int64, made: SeqRange) {
        let reader = IDKey(userID)
        let (before, made) = Self.advance(&reads[reader, default: MarkedWatermark()], to: seq)
        if !made.isEmpty { movedReaders.insert(reader) }
        return (before, made)
    }

    private static func advance(_ state: inout MarkedWatermark, to seq: Int64) -> (before: Int64, made: SeqRange) {
        let before = state.watermark
        let made = SeqRange(from: before + 1, through: seq)
        if !made.isEmpty { state.advance(to: seq) }
        return (before, made)
    }

    /// Applies a message-level read; returns the newest seqs it newly read, ascending.
    mutating func markRead(_ userID: String, through hasReadSeq: Int64?, seqs: [Int64], listing: Int) -> [Int64] {
        let reader = IDKey(userID)
        let before = reads[reader] ?? MarkedWatermark()
        let (after, newlyRead) = before.covering(
            through: hasReadSeq, seqs: seqs, maxMarks: configuration.maxMarksPerUser, newest: listing)
        if after != before {
            reads[reader] = after
            markedReaders.insert(reader)
        }
        return newlyRead
    }

    /// `hasReadReceipt` to whoever `Routing` names; in a group-like conversation a
    /// public read also goes to the `groupHasRead` coalescer.
    private func announceRead(_ event: ReceiptEvent, seqs: [Int64], hasReadSeq: Int64, _ outcome: inout BatchOutcome) {
        outcome.listedSeqs += seqs.count
        let tips = MarkAsReadTips(
            markAsReadUserID: event.userID, conversationID: event.conversationID, seqs: seqs, hasReadSeq: hasReadSeq)
        let sourceEventIDs = [event.eventID]  // one array, shared by both receipts
        func receipt(to recvID: String) -> Notification {
            Notification(recvID: recvID, sessionType: event.sessionType, conversationID: event.conversationID,
                         sourceEventIDs: sourceEventIDs, payload: .hasReadReceipt(tips))
        }
        let (peer, reader) = Routing.readReceiptPeerAndReader(of: event)
        if let peer { outcome.notifications.append(receipt(to: peer)) }
        outcome.notifications.append(receipt(to: reader))
        if event.sessionType.isGroupLike, !event.isPrivate {
            outcome.groupReads.append(GroupRead(
                conversationID: event.conversationID, sessionType: event.sessionType, userID: event.userID,
                hasReadSeq: hasReadSeq, sourceEventID: event.eventID))
        }
    }
}
