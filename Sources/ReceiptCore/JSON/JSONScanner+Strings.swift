/// Where a scanned string's content lies: bytes `start..<end` of the input, between
/// the quotes, already validated. `hasEscapes` false means the content is the
/// decoded string's UTF-8 exactly.
struct JSONStringToken: Sendable, Equatable {
    var start: Int
    var end: Int
    var hasEscapes: Bool

    var rawCount: Int { end - start }
}

extension JSONScanner {
    /// Reads a string at the current position (after whitespace), validating UTF-8
    /// (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF),
    /// escapes, and the absence of raw control characters.
    mutating func scanString() throws(JSONSyntaxError) -> JSONStringToken {
        guard peek() == ASCII.quote else { throw error("expected a string") }
        position += 1
        let start = position
        var hasEscapes = false
        while position < bytes.count {
            skipPlainASCII()
            guard position < bytes.count else { break }
            let b = bytes[position]  // a quote, a backslash, a control character or non-ASCII
            if b == ASCII.quote {
                position += 1
                return JSONStringToken(start: start, end: position - 1, hasEscapes: hasEscapes)
            } else if b == ASCII.backslash {
                hasEscapes = true
                try scanEscape()
            } else if b < 0x20 {
                throw error("unescaped control character in a string")
            } else {
                try scanMultiByteScalar(lead: b)
            }
        }
        throw error("unterminated string")
    }

    /// Moves past printable ASCII other than `"` and `\`, the bulk of most strings,
    /// with the position in a local, so the loop is a load and a compare per byte.
    @inline(__always) private mutating func skipPlainASCII() {
        var i = position
        while i < bytes.count {
            let b = bytes[i]
            guard b >= 0x20, b < 0x80, b != ASCII.quote, b != ASCII.backslash else { break }
            i += 1
        }
        position = i
    }

    /// Validates one escape sequence at `position` (the backslash) and moves past it.
    private mutating func scanEscape() throws(JSONSyntaxError) {
        guard position + 1 < bytes.count else { throw error("unterminated string") }
        switch bytes[position + 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash, 0x62, 0x66, 0x6E, 0x72, 0x74:  // b f n r t
            position += 2
        case ASCII.lowerU:
            guard let unit = hex4(at: position + 2) else { throw error("invalid \\u escape") }
            if (0xDC00...0xDFFF).contains(unit) { throw error("unpaired low surrogate in \\u escape") }
            if (0xD800...0xDBFF).contains(unit) {
                guard bytes.count - position >= 12, bytes[position + 6] == ASCII.backslash,
                      bytes[position + 7] == ASCII.lowerU, let low = hex4(at: position + 8),
                      (0xDC00...0xDFFF).contains(low)
                else { throw error("unpaired high surrogate in \\u escape") }
                position += 12
            } else {
                position += 6
            }
        default:
            throw error("invalid escape sequence")
        }
    }

    /// The four hex digits at `index` as a UTF-16 code unit; nil if not four hex digits.
    func hex4(at index: Int) -> UInt16? {
        guard index >= 0, bytes.count - index >= 4 else { return nil }
        var value: UInt16 = 0
        for i in index..<index + 4 {
            let b = bytes[i]
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Validates one 2-4 byte UTF-8 sequence starting with `lead` at `position`.
    private mutating func scanMultiByteScalar(lead: UInt8) throws(JSONSyntaxError) {
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw error("invalid UTF-8")
        }
        guard bytes.count - position >= length, secondRange.contains(bytes[position + 1]) else {
            throw error("invalid UTF-8")
        }
        for i in 2..<length where bytes[position + i] & 0xC0 != 0x80 {
            throw error("invalid UTF-8")
        }
        position += length
    }

    /// The decoded content of a token this scanner produced.
    func string(_ token: JSONStringToken) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[token.start..<token.end])
        guard token.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: unescaped(token), as: UTF8.self)
    }

    /// The UTF-8 of a token's content with escapes resolved. Assumes the token was validated.
    func unescaped(_ token: JSONStringToken) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.rawCount)
        var i = token.start
        while i < token.end {
            let b = bytes[i]
            guard b == ASCII.backslash else { out.append(b); i += 1; continue }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case ASCII.lowerU:
                var scalar = UInt32(hex4(at: i) ?? 0xFFFD)
                i += 4
                if (0xD800...0xDBFF).contains(scalar), let low = hex4(at: i + 2) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    i += 6
                }
                UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { out.append($0) }
            default: out.append(e)  // " \ /
            }
        }
        return out
    }

    /// Whether a token's decoded content equals `literal`, without allocating when
    /// the token has no escapes.
    func token(_ token: JSONStringToken, equals literal: StaticString) -> Bool {
        guard !token.hasEscapes else {
            return unescaped(token).elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        }
        let n = literal.utf8CodeUnitCount
        guard token.rawCount == n else { return false }
        guard n > 0, let base = bytes.baseAddress else { return n == 0 }
        return Self.equal(base + token.start, literal.utf8Start, count: n)
    }

    /// Whether `count` bytes at `a` and `b` are equal, compared eight at a time.
    private static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        var i = 0
        while count - i >= 8 {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self)
            let y = UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self)
            if x != y { return false }
            i += 8
        }
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}
