@testable import ReceiptCore

/// A fully materialized JSON value, for documents read off the hot path (notifications
/// read back by tests and tools). Events use the scanner directly instead.
///
/// Duplicate member names are a syntax error: a document that means different things
/// to different readers is refused rather than guessed at.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    var kind: JSONKind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .number: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }

    /// Parses one complete JSON text.
    static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer, maxDepth: maxDepth)
            return Result { () throws(JSONSyntaxError) -> JSONValue in
                let value = try scanner.parseValue()
                try scanner.finish()
                return value
            }
        }
        return try result.get()
    }
}

extension JSONScanner {
    /// Reads the next value of any type into a `JSONValue`.
    mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        switch peekKind() {
        case .object?:
            try beginObject()
            var members: [String: JSONValue] = [:]
            var first = true
            while let keyToken = try nextKey(first: &first) {
                let key = string(keyToken)
                let keyOffset = position
                let value = try parseValue()
                if members.updateValue(value, forKey: key) != nil {
                    throw JSONSyntaxError(offset: keyOffset, message: "duplicate member name")
                }
            }
            return .object(members)
        case .array?:
            try beginArray()
            var elements: [JSONValue] = []
            var first = true
            while try nextElement(first: &first) { elements.append(try parseValue()) }
            return .array(elements)
        case .string?: return .string(string(try scanString()))
        case .number?: return .number(try scanNumber())
        case .bool?, .null?: return try scanLiteral().map(JSONValue.bool) ?? .null
        case nil:
            throw error(position < bytes.count ? "expected a JSON value" : "unexpected end of input")
        }
    }
}
