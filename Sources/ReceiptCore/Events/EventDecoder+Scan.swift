// Pass one of decoding: one walk over a record's bytes that keeps the contract's
// fields as found (`EventFields`), unvalidated. Only JSON syntax can fail here.

/// The members of an event record that contract v1 defines. Any other member is skipped.
enum EventField: Int, CaseIterable {
    case type, eventID, userID, conversationID, sessionType, sendTime
    case clientMsgID, peerUserID, seqs, hasReadSeq, deliveredSeq, `private`

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
        case .private: "private"
        }
    }

    /// How the scan pass reads the field's value.
    enum Shape { case string, int64, integerOnly, seqs, eventType, bool }

    var shape: Shape {
        switch self {
        case .type: .eventType
        case .eventID, .userID, .conversationID, .clientMsgID, .peerUserID: .string
        case .sessionType: .integerOnly
        case .sendTime, .hasReadSeq, .deliveredSeq: .int64
        case .seqs: .seqs
        case .private: .bool
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
        case 7: candidates = (.eventID, .private)
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

/// An int64 field as the scan pass found it: a value, or what is wrong with it.
enum Int64Read: Equatable {
    case value(Int64)
    case nonInteger
    case outOfRange
    case notDecimalString
    case wrongType(JSONKind)
}

/// A string field as found: a value, or the JSON type it had instead.
enum StringRead: Equatable {
    case value(String)
    case wrongType(JSONKind)
}

/// The `type` field as found. Known names are matched in place, never allocated.
enum TypeRead: Equatable {
    case known(EventType)
    case unknown
    case wrongType(JSONKind)
}

/// A boolean field as found: a value, or the JSON type it had instead.
enum BoolRead: Equatable {
    case value(Bool)
    case wrongType(JSONKind)
}

/// A `seqs` array as found. `values` holds the elements read before the first bad one
/// and stops at the limit; `count` is the true length.
enum SeqsRead: Equatable {
    case list(values: [Int64], count: Int, firstBad: BadElement?)
    case wrongType(JSONKind)

    struct BadElement: Equatable {
        var index: Int
        var problem: Int64Read
    }
}

/// The contract fields of one record after one pass over its bytes, unvalidated.
/// A nil field was absent or `null`. Only JSON syntax can fail here.
struct EventFields {
    var type: TypeRead?
    var eventID, userID, conversationID, clientMsgID, peerUserID: StringRead?
    var sessionType, sendTime, hasReadSeq, deliveredSeq: Int64Read?
    var seqs: SeqsRead?
    var isPrivate: BoolRead?

    static func read(_ buffer: UnsafeBufferPointer<UInt8>, configuration: EventDecoder.Configuration) throws(Rejection) -> EventFields {
        var scanner = JSONScanner(buffer, maxDepth: configuration.maxDepth)
        switch scanner.peekKind() {
        case .object?: break
        case let kind?:
            throw Rejection(.malformedJSON, "the record must be a JSON object, not \(kind)")
        case nil where buffer.isEmpty:
            throw Rejection(.malformedJSON, "the record is empty")
        case nil:
            let problem = scanner.position < buffer.count ? "expected a JSON value" : "unexpected end of input"
            throw Rejection(.malformedJSON, "the record is malformed JSON: \(scanner.error(problem))")
        }
        do throws(JSONSyntaxError) {
            var fields = EventFields()
            try fields.scan(&scanner, maxSeqs: configuration.maxSeqs)
            try scanner.finish()
            return fields
        } catch {
            throw Rejection(.malformedJSON, "the record is malformed JSON: \(error)")
        }
    }
}

extension EventFields {
    /// Walks the record's object once, keeping contract fields and skipping the rest.
    mutating func scan(_ scanner: inout JSONScanner, maxSeqs: Int) throws(JSONSyntaxError) {
        try scanner.beginObject()
        var seen: UInt16 = 0
        var first = true
        while let key = try scanner.nextKey(first: &first) {
            guard let field = EventField.named(key, in: scanner) else {
                try scanner.skipValue()
                continue
            }
            let bit: UInt16 = 1 << field.rawValue
            if seen & bit != 0 {
                throw JSONSyntaxError(offset: key.start, message: "duplicate member `\(field.name)`")
            }
            seen |= bit
            try read(field, from: &scanner, maxSeqs: maxSeqs)
        }
    }

    private mutating func read(_ field: EventField, from scanner: inout JSONScanner, maxSeqs: Int) throws(JSONSyntaxError) {
        if scanner.peekKind() == .null {
            _ = try scanner.scanLiteral()
            return
        }
        switch field.shape {
        case .eventType: type = try Self.readType(&scanner)
        case .string:
            let value = try Self.readString(&scanner)
            switch field {
            case .eventID: eventID = value
            case .userID: userID = value
            case .conversationID: conversationID = value
            case .clientMsgID: clientMsgID = value
            default: peerUserID = value
            }
        case .int64, .integerOnly:
            let value = try Self.readInt64(&scanner, allowString: field.shape == .int64)
            switch field {
            case .sessionType: sessionType = value
            case .sendTime: sendTime = value
            case .hasReadSeq: hasReadSeq = value
            default: deliveredSeq = value
            }
        case .seqs: seqs = try Self.readSeqs(&scanner, limit: maxSeqs)
        case .bool:
            guard scanner.peekKind() == .bool else {
                isPrivate = .wrongType(try Self.skipKind(&scanner))
                return
            }
            isPrivate = try scanner.scanLiteral().map(BoolRead.value)
        }
    }

    private static func readType(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> TypeRead {
        guard let kind = scanner.peekKind(), kind == .string else { return try wrongType(&scanner) }
        let token = try scanner.scanString()
        for type in EventType.allCases where scanner.token(token, equals: type.staticName) {
            return .known(type)
        }
        return .unknown
    }

    private static func readString(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> StringRead {
        guard scanner.peekKind() == .string else { return .wrongType(try skipKind(&scanner)) }
        return .value(scanner.string(try scanner.scanString()))
    }

    static func readInt64(_ scanner: inout JSONScanner, allowString: Bool) throws(JSONSyntaxError) -> Int64Read {
        switch scanner.peekKind() {
        case .number?:
            switch try scanner.scanNumber() {
            case .integer(let v): return .value(v)
            case .integerOutOfRange: return .outOfRange
            case .nonInteger: return .nonInteger
            }
        case .string? where allowString:
            switch scanner.int64(decimalString: try scanner.scanString()) {
            case .integer(let v)?: return .value(v)
            case .integerOutOfRange?: return .outOfRange
            case .nonInteger?, nil: return .notDecimalString
            }
        default:
            return .wrongType(try skipKind(&scanner))
        }
    }

    private static func readSeqs(_ scanner: inout JSONScanner, limit: Int) throws(JSONSyntaxError) -> SeqsRead {
        guard scanner.peekKind() == .array else { return .wrongType(try skipKind(&scanner)) }
        try scanner.beginArray()
        var values: [Int64] = []
        var count = 0
        var firstBad: SeqsRead.BadElement?
        var first = true
        while try scanner.nextElement(first: &first) {
            count += 1
            guard count <= limit, firstBad == nil else {
                try scanner.skipValue()
                continue
            }
            switch try readInt64(&scanner, allowString: true) {
            case .value(let v): values.append(v)
            case let problem: firstBad = .init(index: count - 1, problem: problem)
            }
        }
        return .list(values: values, count: count, firstBad: firstBad)
    }

    /// Skips a value of an unexpected type, returning the type it had.
    private static func skipKind(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> JSONKind {
        let kind = scanner.peekKind()
        try scanner.skipValue()
        return kind ?? .null
    }

    private static func wrongType(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> TypeRead {
        .wrongType(try skipKind(&scanner))
    }
}
