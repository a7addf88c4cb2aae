/// One conversation's state while a batch is applied to it: the snapshot read in
/// phase one, advanced event by event. The read rules live in
/// `ConversationState+Read.swift`, the delivery rules in `+Delivery.swift`.
struct ConversationState {
    let configuration: BatchApplier.Configuration
    var maxSeq: Int64
    /// The seq of every new message of the batch, in event order. A repeated
    /// message (same sender, same clientMsgID) is listed again, with the seq phase
    /// one gave it again.
    var allocations: [(senderID: String, clientMsgID: String, seq: Int64)] = []
    var pendingAllocations: ArraySlice<Int64>
    /// userID → read state. Without marks under conversation-level read.
    var reads: [IDKey: MarkedWatermark]
    /// recipient userID → delivery state.
    var deliveries: [IDKey: MarkedWatermark]
    /// userID → private read watermark, for the batch's private readers.
    var privateReads: [IDKey: Int64]
    /// Readers whose conversation-level watermark moved: stored with `ZADD GT`.
    var movedReaders = FirstSeenUsers()
    /// Readers whose message-level read state changed: stored with the fold script.
    var markedReaders = FirstSeenUsers()
    /// Recipients whose delivery state changed: stored with the fold script.
    var movedRecipients = FirstSeenUsers()
    /// Private readers whose private watermark moved: stored with `ZADD GT`.
    var movedPrivateReaders = FirstSeenUsers()

    init(_ snapshot: ConversationSnapshot, configuration: BatchApplier.Configuration) {
        self.configuration = configuration
        maxSeq = snapshot.maxSeq
        pendingAllocations = snapshot.allocatedSeqs[...]
        allocations.reserveCapacity(snapshot.allocatedSeqs.count)
        reads = snapshot.hasReadSeqs.mapValues { MarkedWatermark(watermark: $0) }
        reads.reserveCapacity(2)  // both users of a single chat, the common case, without regrowing
        for (userID, marks) in snapshot.readMarks {
            reads[userID] = MarkedWatermark(watermark: reads[userID]?.watermark ?? 0, marks: marks)
        }
        deliveries = snapshot.deliveries
        privateReads = snapshot.privateReadSeqs
        for (recipient, acked) in snapshot.deliveries {  // read implies delivered (+Delivery.swift)
            if let read = reads[recipient] { deliveries[recipient] = acked.merged(with: read) }
        }
    }

    /// Applies one event. `quietRepeat`: the event cannot be a replay, so if it
    /// changes nothing it is `unchanged` rather than announced again.
    mutating func apply(_ event: ReceiptEvent, quietRepeat: Bool = false, into outcome: inout BatchOutcome) -> EventResult {
        let exactTypes = configuration.exactReadSessionTypes
        let exact = !exactTypes.isEmpty && exactTypes.contains(event.sessionType)
        if event.isPrivate { return readPrivately(event, quietRepeat: quietRepeat, &outcome) }  // only reads are private
        switch event.body {
        case .newMessage(let clientMsgID):
            guard let seq = pendingAllocations.popFirst() else {
                preconditionFailure("phase one allocated fewer seqs than the batch has newMsg events")
            }
            maxSeq = max(maxSeq, seq)
            allocations.append((event.userID, clientMsgID, seq))
            // Sending reads one's own message; the group is not told (it knows).
            if exact {
                _ = markRead(event.userID, through: nil, seqs: [seq], listing: 1)
                deliverByRead(event, through: nil, seqs: [seq])
            } else {
                advance(event.userID, to: seq)
                deliverByRead(event, through: seq, seqs: [])
            }
            outcome.notifications.append(Notification(
                recvID: event.userID, sessionType: event.sessionType, conversationID: event.conversationID,
                sourceEventIDs: [event.eventID],
                payload: .seqAssigned(clientMsgID: clientMsgID, seq: seq, sendID: event.userID)))
            return .applied

        case .markMessagesAsRead(let seqs) where exact:
            return readExactly(event, through: nil, seqs: seqs, quietRepeat: quietRepeat, &outcome)
        case .markConversationAsRead(let hasReadSeq, let seqs) where exact:
            return readExactly(event, through: hasReadSeq, seqs: seqs, quietRepeat: quietRepeat, &outcome)
        case .setConversationHasReadSeq(let hasReadSeq) where exact:
            return readExactly(event, through: hasReadSeq, seqs: [], quietRepeat: quietRepeat, &outcome)
        case .markMessagesAsRead, .markConversationAsRead, .setConversationHasReadSeq:
            return readUpTo(event, target: event.highestReadSeq ?? 0, quietRepeat: quietRepeat, &outcome)
        case .messageDelivered(let seqs, let deliveredSeq):
            return deliver(event, seqs: seqs, through: deliveredSeq, quietRepeat: quietRepeat, &outcome)
        }
    }

    /// `seq_above_max` when `seq` names a message that does not exist yet.
    func checkExists(_ seq: Int64) -> Rejection? {
        guard seq > maxSeq else { return nil }
        return Rejection(.seqAboveMax, "seq \(seq) is above the conversation's maxSeq \(maxSeq)")
    }

    /// Records this conversation's resulting state: maxSeq, every read and delivery
    /// state the batch knows (read or moved), and every allocation.
    func record(_ conversationID: String, into changes: inout StateChanges) {
        if maxSeq > 0 { changes.recordMaxSeq(conversationID, maxSeq) }
        for (user, state) in reads where state.highestCovered > 0 {
            changes.recordRead(ConversationUser(conversationID, user.id), state)
        }
        for (user, state) in deliveries where state.highestCovered > 0 {
            changes.recordDelivery(ConversationUser(conversationID, user.id), state)
        }
        for (user, seq) in privateReads where seq > 0 {
            changes.recordPrivateRead(ConversationUser(conversationID, user.id), seq)
        }
        for (senderID, clientMsgID, seq) in allocations {  // a repeat carries the same seq again
            changes.recordClientMessage(ClientMessage(conversationID, sender: senderID, clientMsgID), seq: seq)
        }
    }

    /// The conversation-level watermarks that moved past their snapshot value,
    /// latest value per user.
    func watermarkWrites() -> [(userID: String, hasReadSeq: Int64)] {
        movedReaders.order.map { ($0.id, reads[$0]!.watermark) }
    }

    /// The private read watermarks that moved past their snapshot value, latest
    /// value per user.
    func privateWatermarkWrites() -> [(userID: String, hasReadSeq: Int64)] {
        movedPrivateReaders.order.map { ($0.id, privateReads[$0]!) }
    }

    /// The marked states that changed, latest state per user: message-level reads,
    /// then deliveries.
    func markedWrites(_ conversationID: String) -> [MarkedWrite] {
        markedReaders.order.map { MarkedWrite(.read, conversationID: conversationID, userID: $0.id, state: reads[$0]!) }
            + movedRecipients.order.map {
                MarkedWrite(.delivery, conversationID: conversationID, userID: $0.id, state: deliveries[$0]!)
            }
    }
}

/// Users in first-seen order, each once. Most conversations move a user or two per
/// batch, so the first few are found by scanning `order`, without hashing; a set
/// takes over from `linearLimit` users on (large groups). Users are their bytes.
struct FirstSeenUsers {
    private(set) var order: [IDKey] = []
    private var seen: Set<IDKey> = []
    private static let linearLimit = 8

    mutating func insert(_ userID: IDKey) {
        if order.count < Self.linearLimit {
            if !order.contains(userID) { order.append(userID) }
            return
        }
        if seen.isEmpty { seen = Set(order) }
        if seen.insert(userID).inserted { order.append(userID) }
    }
}
