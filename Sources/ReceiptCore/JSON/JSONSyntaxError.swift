/// Why the JSON reader refused its input: the bytes are not one strict RFC 8259 JSON
/// text (or exceed the nesting limit). Callers turn it into `malformed_json`.
///
/// `message` never quotes the input, so it is safe to log and to put in headers.
struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the input where the reader stopped.
    var offset: Int
    var message: String

    var description: String { "\(message) at byte \(offset)" }
}

/// The kind of a JSON value, read from its first byte. Used to name wrong types.
enum JSONKind: Sendable, Equatable, CustomStringConvertible {
    case object, array, string, number, bool, null

    var description: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}

/// A JSON number as the contract needs it: an exact int64, or why it is not one.
///
/// Invariant: `.integer` came from an integer literal (no fraction, no exponent) that
/// fits in `Int64`; "-0" reads as `.integer(0)`.
enum JSONNumber: Sendable, Equatable {
    case integer(Int64)
    /// An integer literal outside `Int64.min ... Int64.max`.
    case integerOutOfRange
    /// A literal with a fraction or an exponent, even `1.0` or `1e2`.
    case nonInteger
}

/// ASCII bytes the reader and writer compare against.
enum ASCII {
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let slash: UInt8 = 0x2F
    static let comma: UInt8 = 0x2C
    static let colon: UInt8 = 0x3A
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let minus: UInt8 = 0x2D
    static let plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let lowerE: UInt8 = 0x65
    static let upperE: UInt8 = 0x45
    static let lowerU: UInt8 = 0x75

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- zero < 10 }
}
