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
