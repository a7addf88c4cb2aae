/// Appends JSON tokens to a byte buffer. Output is compact UTF-8 with no whitespace.
///
/// Strings: `"` and `\` are escaped as `\"` and `\\`, every control character below
/// U+0020 as `\u00XX`; all other bytes, including non-ASCII UTF-8, pass through
/// unchanged (Swift strings are valid UTF-8, so the output is too).
public enum JSONWriter {
    /// Appends bytes known to be valid JSON already, such as `{"type":`.
    @inline(__always) public static func raw(_ text: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public static func string(_ value: String, into out: inout [UInt8]) {
        out.append(ASCII.quote)
        // Native Swift strings (all of ours) are read in place, without a copy.
        if value.utf8.withContiguousStorageIfAvailable({ escaped($0, into: &out) }) == nil {
            Array(value.utf8).withUnsafeBufferPointer { escaped($0, into: &out) }
        }
        out.append(ASCII.quote)
    }

    /// The bytes `string(value, into:)` appends, quotes included, without writing them.
    public static func encodedByteCount(_ value: String) -> Int {
        var count = 2
        for byte in value.utf8 {
            count += byte < 0x20 ? 6 : (byte == ASCII.quote || byte == ASCII.backslash ? 2 : 1)
        }
        return count
    }

    /// Appends UTF-8 bytes with `"`, `\` and control characters escaped: runs that
    /// need no escape are appended whole.
    private static func escaped(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var runStart = 0
        for i in 0..<utf8.count {
            let b = utf8[i]
            guard b < 0x20 || b == ASCII.quote || b == ASCII.backslash else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            runStart = i + 1
            switch b {
            case ASCII.quote: raw(#"\""#, into: &out)
            case ASCII.backslash: raw(#"\\"#, into: &out)
            default:
                raw(#"\u00"#, into: &out)
                out.append(hexDigit(b >> 4))
                out.append(hexDigit(b & 0x0F))
            }
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? ASCII.zero + nibble : 0x61 + nibble - 10
    }

    /// Appends a JSON number with the exact decimal value, Int64.min included.
    public static func int64(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(ASCII.minus) }
        var magnitude = value.magnitude
        guard magnitude >= 10 else {
            out.append(ASCII.zero + UInt8(magnitude))
            return
        }
        // Digits from the last, into a stack buffer; UInt64.max has 20.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = digits.count
            while magnitude > 0 {
                i -= 1
                digits[i] = ASCII.zero + UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i...]))
        }
    }

    public static func int64Array(_ values: [Int64], into out: inout [UInt8]) {
        out.append(ASCII.openBracket)
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(ASCII.comma) }
            int64(v, into: &out)
        }
        out.append(ASCII.closeBracket)
    }

    static func stringArray(_ values: [String], into out: inout [UInt8]) {
        out.append(ASCII.openBracket)
        for (i, v) in values.enumerated() {
            if i > 0 { out.append(ASCII.comma) }
            string(v, into: &out)
        }
        out.append(ASCII.closeBracket)
    }
}
