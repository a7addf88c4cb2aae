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
