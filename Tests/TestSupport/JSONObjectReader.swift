@testable import ReceiptCore

/// Typed access to the members of a parsed JSON object, for documents read off the
/// hot path. Errors name the member by its path, e.g. `markAsReadTips.seqs[2]`.
struct JSONObjectReader {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(Notification.DecodingError) {
        guard case .object(let members) = value else {
            throw .init("\(path.isEmpty ? "the record" : "member `\(path)`") must be a JSON object, not \(value.kind)")
        }
        self.members = members
        self.path = path
    }

    /// A member's value together with its path.
    struct Element {
        let value: JSONValue
        let path: String

        func string() throws(Notification.DecodingError) -> String {
            guard case .string(let s) = value else { throw .init("member `\(path)` must be a string, not \(value.kind)") }
            return s
        }

        /// An int64 as a JSON integer or a decimal string.
        func int64() throws(Notification.DecodingError) -> Int64 {
            switch value {
            case .number(.integer(let v)): return v
            case .string(let s):
                var bytes = Array(s.utf8)
                let parsed = bytes.withUnsafeMutableBufferPointer { JSONScanner.int64(decimal: UnsafeBufferPointer($0), 0..<$0.count) }
                if case .integer(let v)? = parsed { return v }
                throw .init("member `\(path)` must be a decimal int64 string")
            default:
                throw .init("member `\(path)` must be an int64, not \(value.kind)")
            }
        }
    }

    func member(_ name: String) throws(Notification.DecodingError) -> Element {
        let memberPath = path.isEmpty ? name : "\(path).\(name)"
        guard let value = members[name], value != .null else { throw .init("member `\(memberPath)` is missing") }
        return Element(value: value, path: memberPath)
    }

    func string(_ name: String) throws(Notification.DecodingError) -> String { try member(name).string() }
    func int64(_ name: String) throws(Notification.DecodingError) -> Int64 { try member(name).int64() }
    func object(_ name: String) throws(Notification.DecodingError) -> JSONObjectReader {
        let m = try member(name)
        return try JSONObjectReader(m.value, path: m.path)
    }

    func array(_ name: String) throws(Notification.DecodingError) -> [Element] {
        let m = try member(name)
        guard case .array(let values) = m.value else { throw .init("member `\(m.path)` must be an array, not \(m.value.kind)") }
        return values.enumerated().map { Element(value: $1, path: "\(m.path)[\($0)]") }
    }

    func int64Array(_ name: String) throws(Notification.DecodingError) -> [Int64] {
        var result: [Int64] = []
        for element in try array(name) { result.append(try element.int64()) }
        return result
    }
}
