// Pass two of decoding: the scanned fields checked against the contract, into a
// `ReceiptEvent` or one `Rejection` naming the field.

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

        let isPrivate = try privateFlag(f.isPrivate, type: type)
        let peer = try optionalID(f.peerUserID, "peerUserID")
        if peerRequired, peer == nil {
            throw Rejection(.missingField, "field `peerUserID` is missing; it is required when sessionType is 1")
        }
        return ReceiptEvent(
            eventID: eventID, userID: userID, conversationID: conversationID, sessionType: sessionType,
            sendTime: sendTime, peerUserID: sessionType == .single ? peer : nil, body: body, isPrivate: isPrivate
        )
    }

    /// `private`: a boolean, and `true` only on the three read events.
    private func privateFlag(_ read: BoolRead?, type: EventType) throws(Rejection) -> Bool {
        switch read {
        case nil, .value(false)?: return false
        case .wrongType(let kind)?:
            throw Rejection(.invalidField, "field `private` must be a boolean, not \(kind)")
        case .value(true)?:
            guard type.isRead else {
                throw Rejection(.invalidField, "field `private` is true, but only read events (markMsgsAsRead, markConversationAsRead, setConversationHasReadSeq) can be private")
            }
            return true
        }
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

/// Field-level checks shared by every event type. Each throws one `Rejection` whose
/// reason is a sentence naming the field.
extension EventDecoder {
    /// A required ID: see `IDRule` (non-empty, at most `maxIDBytes` UTF-8 bytes, no
    /// control character).
    func requiredID(_ read: StringRead?, _ name: String) throws(Rejection) -> String {
        guard let id = try optionalID(read, name) else {
            throw Rejection(.missingField, "field `\(name)` is missing")
        }
        return id
    }

    /// Like `requiredID`, but absence is fine.
    func optionalID(_ read: StringRead?, _ name: String) throws(Rejection) -> String? {
        switch read {
        case nil: return nil
        case .wrongType(let kind)?:
            throw Rejection(.invalidField, "field `\(name)` must be a string, not \(kind)")
        case .value(let id)?:
            if let problem = IDRule.problem(with: id, maxBytes: configuration.maxIDBytes) {
                throw Rejection(.invalidField, "field `\(name)` \(problem)")
            }
            return id
        }
    }

    func requiredInt64(_ read: Int64Read?, _ name: String, minimum: Int64) throws(Rejection) -> Int64 {
        guard let value = try optionalInt64(read, name, minimum: minimum) else {
            throw Rejection(.missingField, "field `\(name)` is missing")
        }
        return value
    }

    func optionalInt64(_ read: Int64Read?, _ name: String, minimum: Int64) throws(Rejection) -> Int64? {
        guard let read else { return nil }
        let value = try int64(read, name)
        guard value >= minimum else {
            throw Rejection(.invalidField, "field `\(name)` must be at least \(minimum), not \(value)")
        }
        return value
    }

    /// A present `seqs` array: at most `maxSeqs` elements, each an int64 ≥ 1.
    /// Emptiness is the caller's rule.
    func optionalSeqs(_ read: SeqsRead?) throws(Rejection) -> [Int64]? {
        switch read {
        case nil: return nil
        case .wrongType(let kind)?:
            throw Rejection(.invalidField, "field `seqs` must be an array of integers, not \(kind)")
        case let .list(values, count, firstBad)?:
            guard count <= configuration.maxSeqs else {
                throw Rejection(.tooManySeqs, "field `seqs` has \(count) elements, more than the limit of \(configuration.maxSeqs)")
            }
            if let bad = firstBad { _ = try int64(bad.problem, "seqs[\(bad.index)]") }
            for (index, seq) in values.enumerated() where seq < 1 {
                throw Rejection(.invalidField, "field `seqs[\(index)]` must be at least 1, not \(seq)")
            }
            return values
        }
    }

    private func int64(_ read: Int64Read, _ name: String) throws(Rejection) -> Int64 {
        switch read {
        case .value(let v): return v
        case .nonInteger:
            throw Rejection(.invalidField, "field `\(name)` must be an integer, without fraction or exponent")
        case .outOfRange:
            throw Rejection(.invalidField, "field `\(name)` does not fit in a signed 64-bit integer")
        case .notDecimalString:
            throw Rejection(.invalidField, "field `\(name)` must be a decimal integer string such as \"42\"")
        case .wrongType(let kind):
            throw Rejection(.invalidField, "field `\(name)` must be an integer (a JSON number or a decimal string), not \(kind)")
        }
    }
}
