/// One conversation's state while a batch is applied to it: the snapshot read in
/// phase one, advanced event by event.
struct ConversationState {
    private var maxSeq: Int64
    /// clientMsgID → seq for every new message of the batch.
    private var allocations: [String: Int64] = [:]
    private var pendingAllocations: ArraySlice<Int64>
    private var watermarks: [String: ReadWatermark]
    /// Users whose watermark moved, in first-moved order, and the same as a set.
    private var moved: [String] = []
    private var movedSet: Set<String> = []

    init(_ snapshot: ConversationSnapshot) {
        maxSeq = snapshot.maxSeq
        pendingAllocations = snapshot.allocatedSeqs[...]
        watermarks = snapshot.hasReadSeqs.mapValues { ReadWatermark($0) }
    }

    mutating func apply(
        _ event: ReceiptEvent, configuration: BatchApplier.Configuration, notifications: inout [Notification]
    ) -> EventResult {
        switch event.body {
        case .newMessage(let clientMsgID):
            guard let seq = pendingAllocations.popFirst() else {
                preconditionFailure("phase one allocated fewer seqs than the batch has newMsg events")
            }
            maxSeq = max(maxSeq, seq)
            allocations[clientMsgID] = seq
            _ = advance(event.userID, to: seq)
            notifications.append(Notification(
                recvID: event.userID, sessionType: event.sessionType, conversationID: event.conversationID,
                sourceEventIDs: [event.eventID],
                payload: .seqAssigned(clientMsgID: clientMsgID, seq: seq, sendID: event.userID)))
            return .applied

        case .markMessagesAsRead(let seqs):
            return markRead(event, target: seqs.max() ?? 0, configuration, &notifications)
        case .markConversationAsRead(let hasReadSeq, let seqs):
            return markRead(event, target: max(hasReadSeq, seqs.max() ?? 0), configuration, &notifications)
        case .setConversationHasReadSeq(let hasReadSeq):
            return markRead(event, target: hasReadSeq, configuration, &notifications)

        case .messageDelivered:
            return .rejected(Rejection(.unknownType, "msgDelivered is not handled by this version of receiptd"))
        }
    }

    /// Read under the watermark model: reading seq s means everything up to s is read.
    private mutating func markRead(
        _ event: ReceiptEvent, target: Int64, _ configuration: BatchApplier.Configuration,
        _ notifications: inout [Notification]
    ) -> EventResult {
        guard target <= maxSeq else {
            return .rejected(Rejection(.seqAboveMax,
                "seq \(target) is above the conversation's maxSeq \(maxSeq)"))
        }
        let current = watermarks[event.userID]?.hasReadSeq ?? 0
        guard target >= current else { return .superseded }
        let madeRead = advance(event.userID, to: target)
        let tips = MarkAsReadTips(
            markAsReadUserID: event.userID, conversationID: event.conversationID,
            seqs: madeRead.newest(configuration.maxListedSeqs), hasReadSeq: max(current, target))
        for recvID in Routing.readReceiptRecipients(of: event) {
            notifications.append(Notification(
                recvID: recvID, sessionType: event.sessionType, conversationID: event.conversationID,
                sourceEventIDs: [event.eventID], payload: .hasReadReceipt(tips)))
        }
        return .applied
    }

    private mutating func advance(_ userID: String, to seq: Int64) -> SeqRange {
        var watermark = watermarks[userID] ?? ReadWatermark()
        let made = watermark.advance(to: seq)
        if !made.isEmpty {
            watermarks[userID] = watermark
            if movedSet.insert(userID).inserted { moved.append(userID) }
        }
        return made
    }

    /// Records this conversation's resulting state: maxSeq, every watermark the
    /// batch knows (read or moved), and every allocation.
    func record(_ conversationID: String, into changes: inout StateChanges) {
        if maxSeq > 0 { changes.recordMaxSeq(conversationID, maxSeq) }
        for (userID, watermark) in watermarks where watermark.hasReadSeq > 0 {
            changes.recordRead(ConversationUser(conversationID, userID), MarkedWatermark(watermark: watermark.hasReadSeq))
        }
        for (clientMsgID, seq) in allocations {
            changes.recordClientMessage(ClientMessage(conversationID, clientMsgID), seq: seq)
        }
    }

    /// The watermarks that moved past their snapshot value, latest value per user.
    func watermarkWrites() -> [(userID: String, hasReadSeq: Int64)] {
        moved.map { ($0, watermarks[$0]!.hasReadSeq) }
    }
}
