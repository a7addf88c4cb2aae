/// A strict, single-pass pull reader over UTF-8 JSON bytes (RFC 8259).
///
/// The caller drives it: `beginObject`/`nextKey` and `beginArray`/`nextElement` walk
/// containers, `scanString`/`scanNumber` read scalars, `skipValue` validates and
/// discards a value of any type. Every byte it passes over has been checked: strings
/// are valid UTF-8 with valid escapes, numbers follow the JSON grammar, containers
/// nest at most `maxDepth` deep (the outermost container is depth 1).
///
/// Strict means: no byte-order mark, no comments, no trailing commas, no leading
/// zeros, no lone surrogates in `\u` escapes, nothing but whitespace after the value.
///
/// The buffer is lent for the scanner's lifetime; it must not escape the closure that
/// lent it. Nothing Unsafe leaves this module.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    /// The next byte to read. Only scanner methods (in the JSON folder) move it.
    var position = 0
    var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: position, message: message)
    }

    @inline(__always) mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, not consumed; nil at the end of input.
    @inline(__always) mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// The kind of the next value, judged by its first byte; nil if no value can start here.
    mutating func peekKind() -> JSONKind? {
        switch peek() {
        case ASCII.openBrace: .object
        case ASCII.openBracket: .array
        case ASCII.quote: .string
        case 0x74, 0x66: .bool  // t, f
        case 0x6E: .null  // n
        case let b? where b == ASCII.minus || ASCII.isDigit(b): .number
        default: nil
        }
    }

    /// Succeeds only if nothing but whitespace remains.
    mutating func finish() throws(JSONSyntaxError) {
        if peek() != nil { throw error("unexpected data after the JSON value") }
    }

    // MARK: Containers

    mutating func beginObject() throws(JSONSyntaxError) {
        guard peek() == ASCII.openBrace else { throw error("expected an object") }
        try enter()
    }

    mutating func beginArray() throws(JSONSyntaxError) {
        guard peek() == ASCII.openBracket else { throw error("expected an array") }
        try enter()
    }

    private mutating func enter() throws(JSONSyntaxError) {
        guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        depth += 1
        position += 1
    }

    /// Reads the next member name of the current object and the colon after it.
    /// Returns nil, having consumed `}`, when the object ends. `first` starts true.
    mutating func nextKey(first: inout Bool) throws(JSONSyntaxError) -> JSONStringToken? {
        guard try nextItem(first: &first, close: ASCII.closeBrace) else { return nil }
        guard peek() == ASCII.quote else { throw error("expected a quoted member name") }
        let key = try scanString()
        guard peek() == ASCII.colon else { throw error("expected ':' after a member name") }
        position += 1
        return key
    }

    /// Positions before the next element of the current array; false, having
    /// consumed `]`, when the array ends. `first` starts true.
    mutating func nextElement(first: inout Bool) throws(JSONSyntaxError) -> Bool {
        try nextItem(first: &first, close: ASCII.closeBracket)
    }

    private mutating func nextItem(first: inout Bool, close: UInt8) throws(JSONSyntaxError) -> Bool {
        let b = peek()
        if b == close, first {
            return leave()
        }
        if !first {
            if b == close { return leave() }
            guard b == ASCII.comma else { throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
            position += 1
            if peek() == close { throw error("trailing comma") }
        }
        first = false
        if position >= bytes.count { throw error("unexpected end of input") }
        return true
    }

    private mutating func leave() -> Bool {
        position += 1
        depth -= 1
        return false
    }

    // MARK: Skipping

    /// Validates the next value, whatever its type, and moves past it.
    mutating func skipValue() throws(JSONSyntaxError) {
        switch peekKind() {
        case .object?:
            try beginObject()
            var first = true
            while try nextKey(first: &first) != nil { try skipValue() }
        case .array?:
            try beginArray()
            var first = true
            while try nextElement(first: &first) { try skipValue() }
        case .string?: _ = try scanString()
        case .number?: _ = try scanNumber()
        case .bool?, .null?: _ = try scanLiteral()
        case nil:
            throw error(position < bytes.count ? "expected a JSON value" : "unexpected end of input")
        }
    }

    /// Reads `true`, `false` or `null`; returns the boolean, or nil for `null`.
    mutating func scanLiteral() throws(JSONSyntaxError) -> Bool? {
        if consume("true") { return true }
        if consume("false") { return false }
        if consume("null") { return nil }
        throw error("invalid literal")
    }

    private mutating func consume(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard bytes.count - position >= n else { return false }
        for i in 0..<n where bytes[position + i] != word.utf8Start[i] { return false }
        position += n
        return true
    }
}
