/// The members of an event record that contract v1 defines. Any other member is skipped.
enum EventField: Int, CaseIterable {
    case type, eventID, userID, conversationID, sessionType, sendTime
    case clientMsgID, peerUserID, seqs, hasReadSeq, deliveredSeq

    /// The member name on the wire.
    var name: StaticString {
        switch self {
        case .type: "type"
        case .eventID: "eventID"
        case .userID: "userID"
        case .conversationID: "conversationID"
        case .sessionType: "sessionType"
        case .sendTime: "sendTime"
        case .clientMsgID: "clientMsgID"
        case .peerUserID: "peerUserID"
        case .seqs: "seqs"
        case .hasReadSeq: "hasReadSeq"
        case .deliveredSeq: "deliveredSeq"
        }
    }

    /// How the scan pass reads the field's value.
    enum Shape { case string, int64, integerOnly, seqs, eventType }

    var shape: Shape {
        switch self {
        case .type: .eventType
        case .eventID, .userID, .conversationID, .clientMsgID, .peerUserID: .string
        case .sessionType: .integerOnly
        case .sendTime, .hasReadSeq, .deliveredSeq: .int64
        case .seqs: .seqs
        }
    }

    /// The field a member name denotes, or nil for an unknown member. Unescaped names
    /// are compared in place; names with escapes are decoded first.
    static func named(_ key: JSONStringToken, in scanner: JSONScanner) -> EventField? {
        guard !key.hasEscapes else {
            return allCases.first { scanner.token(key, equals: $0.name) }
        }
        let candidates: (EventField, EventField?)
        switch key.rawCount {
        case 4: candidates = (.type, .seqs)
        case 6: candidates = (.userID, nil)
        case 7: candidates = (.eventID, nil)
        case 8: candidates = (.sendTime, nil)
        case 10: candidates = (.peerUserID, .hasReadSeq)
        case 11: candidates = (.sessionType, .clientMsgID)
        case 12: candidates = (.deliveredSeq, nil)
        case 14: candidates = (.conversationID, nil)
        default: return nil
        }
        if scanner.token(key, equals: candidates.0.name) { return candidates.0 }
        if let second = candidates.1, scanner.token(key, equals: second.name) { return second }
        return nil
    }
}

extension EventType {
    /// The wire name, for comparing against scanned bytes without allocating.
    var staticName: StaticString {
        switch self {
        case .newMsg: "newMsg"
        case .markMsgsAsRead: "markMsgsAsRead"
        case .markConversationAsRead: "markConversationAsRead"
        case .setConversationHasReadSeq: "setConversationHasReadSeq"
        case .msgDelivered: "msgDelivered"
        }
    }
}
