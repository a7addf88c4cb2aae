import Foundation

/// A JSON value for tests, parsed by Foundation: an independent reader, so schema
/// checks do not depend on ReceiptCore's own JSON scanner. Numbers are `Decimal`,
/// exact for every int64.
public indirect enum JSONDocument: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Decimal)
    case string(String)
    case array([JSONDocument])
    case object([String: JSONDocument])

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses one JSON text (any value, not only objects).
    public static func parse(_ bytes: [UInt8]) throws -> JSONDocument {
        let any = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        return try JSONDocument(foundation: any)
    }

    init(foundation value: Any) throws {
        switch value {
        case is NSNull: self = .null
        case let s as String: self = .string(s)
        case let n as NSNumber:
            self = type(of: n) == Self.booleanType ? .bool(n.boolValue) : .number(n.decimalValue)
        case let a as [Any]: self = .array(try a.map { try JSONDocument(foundation: $0) })
        case let o as [String: Any]: self = .object(try o.mapValues { try JSONDocument(foundation: $0) })
        default: throw ParseError(description: "unexpected Foundation value of type \(type(of: value))")
        }
    }

    private static var booleanType: NSNumber.Type { type(of: NSNumber(value: true)) }

    /// Compact JSON bytes of this value (keys sorted), for feeding decoders.
    public func serialized() throws -> [UInt8] {
        let data = try JSONSerialization.data(withJSONObject: foundation, options: [.fragmentsAllowed, .sortedKeys])
        return [UInt8](data)
    }

    var foundation: Any {
        switch self {
        case .null: NSNull()
        case .bool(let b): NSNumber(value: b)
        case .number(let d): NSDecimalNumber(decimal: d)
        case .string(let s): s
        case .array(let a): a.map(\.foundation)
        case .object(let o): o.mapValues(\.foundation)
        }
    }

    public subscript(key: String) -> JSONDocument? {
        if case .object(let o) = self { o[key] } else { nil }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }

    public var int64Value: Int64? {
        guard case .number(let d) = self, d.isIntegral, d >= Decimal(Int64.min), d <= Decimal(Int64.max) else { return nil }
        return Int64(NSDecimalNumber(decimal: d).stringValue)
    }

    /// The JSON type name as JSON Schema spells it (`integer` for integral numbers).
    var schemaTypes: Set<String> {
        switch self {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .number(let d): d.isIntegral ? ["number", "integer"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }
}

extension Decimal {
    var isIntegral: Bool {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        return rounded == self
    }
}
