extension EventDecoder {
    /// Turns scanned fields into an event, applying the contract's rules in order:
    /// `type`, the common fields, then the type's own fields.
    func validate(_ f: EventFields) throws(Rejection) -> ReceiptEvent {
        let type = try eventType(f.type)
        let eventID = try requiredID(f.eventID, "eventID")
        let userID = try requiredID(f.userID, "userID")
        let conversationID = try requiredID(f.conversationID, "conversationID")
        let sessionType = try self.sessionType(f.sessionType)
        let sendTime = try optionalInt64(f.sendTime, "sendTime", minimum: .min)

        let body: ReceiptEvent.Body
        var peerRequired = sessionType == .single
        switch type {
        case .newMsg:
            body = .newMessage(clientMsgID: try requiredID(f.clientMsgID, "clientMsgID"))
            peerRequired = false
        case .markMsgsAsRead:
            let seqs = try optionalSeqs(f.seqs) ?? []
            guard f.seqs != nil else { throw Rejection(.missingField, "field `seqs` is missing") }
            guard !seqs.isEmpty else { throw Rejection(.emptySeqs, "field `seqs` must not be empty") }
            body = .markMessagesAsRead(seqs: seqs)
        case .markConversationAsRead:
            let hasReadSeq = try requiredInt64(f.hasReadSeq, "hasReadSeq", minimum: 0)
            body = .markConversationAsRead(hasReadSeq: hasReadSeq, seqs: try optionalSeqs(f.seqs) ?? [])
        case .setConversationHasReadSeq:
            body = .setConversationHasReadSeq(hasReadSeq: try requiredInt64(f.hasReadSeq, "hasReadSeq", minimum: 0))
            peerRequired = false
        case .msgDelivered:
            body = try delivery(f, sessionType: sessionType)
        }

        let peer = try optionalID(f.peerUserID, "peerUserID")
        if peerRequired, peer == nil {
            throw Rejection(.missingField, "field `peerUserID` is missing; it is required when sessionType is 1")
        }
        return ReceiptEvent(
            eventID: eventID, userID: userID, conversationID: conversationID, sessionType: sessionType,
            sendTime: sendTime, peerUserID: sessionType == .single ? peer : nil, body: body
        )
    }

    /// `msgDelivered`: single chat only; `seqs` and/or `deliveredSeq`. An empty `seqs`
    /// is accepted when `deliveredSeq` is given.
    private func delivery(_ f: EventFields, sessionType: SessionType) throws(Rejection) -> ReceiptEvent.Body {
        guard sessionType == .single else {
            throw Rejection(.deliveryInGroup, "field `sessionType` is \(sessionType.rawValue), but `msgDelivered` is only allowed in single chats (sessionType 1)")
        }
        let seqs = try optionalSeqs(f.seqs)
        let deliveredSeq = try optionalInt64(f.deliveredSeq, "deliveredSeq", minimum: 0)
        switch (seqs, deliveredSeq) {
        case (nil, nil):
            throw Rejection(.missingField, "fields `seqs` and `deliveredSeq` are both missing; `msgDelivered` needs at least one")
        case (let s?, nil) where s.isEmpty:
            throw Rejection(.emptySeqs, "field `seqs` must not be empty when `deliveredSeq` is missing")
        default:
            return .messageDelivered(seqs: seqs ?? [], deliveredSeq: deliveredSeq)
        }
    }

    private func eventType(_ read: TypeRead?) throws(Rejection) -> EventType {
        switch read {
        case .known(let type)?: return type
        case nil: throw Rejection(.missingField, "field `type` is missing")
        case .wrongType(let kind)?: throw Rejection(.invalidField, "field `type` must be a string, not \(kind)")
        case .unknown?:
            let known = EventType.allCases.map(\.rawValue).joined(separator: ", ")
            throw Rejection(.unknownType, "field `type` names no event type of contract v1 (\(known))")
        }
    }

    private func sessionType(_ read: Int64Read?) throws(Rejection) -> SessionType {
        let raw = try requiredInt64(read, "sessionType", minimum: .min)
        guard let type = SessionType(rawValue: Int(truncatingIfNeeded: raw)), Int64(type.rawValue) == raw else {
            throw Rejection(.invalidField, "field `sessionType` must be 1, 2, 3 or 4, not \(raw)")
        }
        return type
    }
}
