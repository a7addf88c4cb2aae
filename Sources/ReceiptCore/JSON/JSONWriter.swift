/// Appends JSON tokens to a byte buffer. Output is compact UTF-8 with no whitespace.
///
/// Strings: `"` and `\` are escaped as `\"` and `\\`, every control character below
/// U+0020 as `\u00XX`; all other bytes, including non-ASCII UTF-8, pass through
/// unchanged (Swift strings are valid UTF-8, so the output is too).
enum JSONWriter {
    /// Appends bytes known to be valid JSON already, such as `{"type":`.
    @inline(__always) static func raw(_ text: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    static func string(_ value: String, into out: inout [UInt8]) {
        out.append(ASCII.quote)
        var value = value
        value.withUTF8 { utf8 in
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
        out.append(ASCII.quote)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? ASCII.zero + nibble : 0x61 + nibble - 10
    }

    /// Appends a JSON number with the exact decimal value, Int64.min included.
    static func int64(_ value: Int64, into out: inout [UInt8]) {
        if value < 0 { out.append(ASCII.minus) }
        var magnitude = value.magnitude
        var digitCount = 1
        var rest = magnitude / 10
        while rest > 0 { digitCount += 1; rest /= 10 }
        let start = out.count
        out.append(contentsOf: repeatElement(ASCII.zero, count: digitCount))
        var i = start + digitCount - 1
        while magnitude > 0 {
            out[i] = ASCII.zero + UInt8(magnitude % 10)
            magnitude /= 10
            i -= 1
        }
    }

    static func int64Array(_ values: [Int64], into out: inout [UInt8]) {
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
