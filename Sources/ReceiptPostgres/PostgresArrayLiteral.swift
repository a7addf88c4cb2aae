/// PostgreSQL array literals, to pass a whole array as ONE text parameter, e.g.
/// `INSERT … SELECT * FROM unnest($1::text[], $2::bigint[])` for a batched upsert.
public enum PostgresArrayLiteral {
    /// `{"a","b\"c",NULL}`: every element double-quoted with `"` and `\` escaped by a
    /// backslash; nil is an unquoted NULL. Quoting every element keeps empty strings,
    /// spaces, commas, braces and the word `NULL` exactly as they are.
    public static func text(_ elements: [String?]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(2 + elements.reduce(0) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            guard let element else {
                bytes.append(contentsOf: "NULL".utf8)
                continue
            }
            bytes.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `{1,-2,3}`.
    public static func int64(_ elements: [Int64]) -> String {
        var text = "{"
        text.reserveCapacity(2 + 20 * elements.count)
        for (index, element) in elements.enumerated() {
            if index > 0 { text.append(",") }
            text.append(String(element))
        }
        text.append("}")
        return text
    }

    /// `{1,NULL,3}`: nil is an unquoted NULL.
    public static func int64(orNull elements: [Int64?]) -> String {
        "{" + elements.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}"
    }
}
