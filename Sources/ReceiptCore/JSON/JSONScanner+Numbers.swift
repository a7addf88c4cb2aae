extension JSONScanner {
    /// Reads a number per the JSON grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    /// and classifies it. Leading zeros, a bare `-`, `1.` and `.5` are syntax errors.
    mutating func scanNumber() throws(JSONSyntaxError) -> JSONNumber {
        skipWhitespace()
        let negative = position < bytes.count && bytes[position] == ASCII.minus
        if negative { position += 1 }
        guard position < bytes.count, ASCII.isDigit(bytes[position]) else {
            throw error("invalid number")
        }
        let intStart = position
        if bytes[position] == ASCII.zero {
            position += 1
            if position < bytes.count, ASCII.isDigit(bytes[position]) {
                throw error("leading zero in a number")
            }
        } else {
            while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        let intEnd = position
        var integral = true
        if position < bytes.count, bytes[position] == ASCII.dot {
            position += 1
            try scanDigits()
            integral = false
        }
        if position < bytes.count, bytes[position] | 0x20 == ASCII.lowerE {
            position += 1
            if position < bytes.count, bytes[position] == ASCII.plus || bytes[position] == ASCII.minus {
                position += 1
            }
            try scanDigits()
            integral = false
        }
        guard integral else { return .nonInteger }
        return Self.int64(digits: bytes, intStart..<intEnd, negative: negative)
    }

    private mutating func scanDigits() throws(JSONSyntaxError) {
        let start = position
        while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
        if position == start { throw error("invalid number: digits expected") }
    }

    /// The value of the ASCII digits `range` of `digits` (already validated), negated
    /// if `negative`; `.integerOutOfRange` outside Int64.
    static func int64(digits: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, negative: Bool) -> JSONNumber {
        var magnitude: UInt64 = 0
        for i in range {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(digits[i] &- ASCII.zero))
            if o1 || o2 { return .integerOutOfRange }
            magnitude = s
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return .integerOutOfRange }
            return .integer(Int64(bitPattern: 0 &- magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { return .integerOutOfRange }
        return .integer(Int64(magnitude))
    }

    /// Reads an int64 written as a decimal string (protobuf's JSON mapping): the
    /// content must be exactly a JSON integer literal, `-?(0|[1-9][0-9]*)`; no sign
    /// `+`, no spaces, no fraction. Returns nil if it is not.
    func int64(decimalString token: JSONStringToken) -> JSONNumber? {
        guard !token.hasEscapes else {
            let decoded = unescaped(token)
            return decoded.withUnsafeBufferPointer { Self.int64(decimal: $0, 0..<$0.count) }
        }
        return Self.int64(decimal: bytes, token.start..<token.end)
    }

    static func int64(decimal buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> JSONNumber? {
        var start = range.lowerBound
        let negative = start < range.upperBound && buffer[start] == ASCII.minus
        if negative { start += 1 }
        guard start < range.upperBound else { return nil }
        if buffer[start] == ASCII.zero, range.upperBound - start > 1 { return nil }
        for i in start..<range.upperBound where !ASCII.isDigit(buffer[i]) { return nil }
        return int64(digits: buffer, start..<range.upperBound, negative: negative)
    }
}
