/// One command: its argv, encoded once as a RESP array of bulk strings, so a pipeline
/// only concatenates bytes.
///
/// Build typed commands with the static factories (`.get`, `.zadd`, `.evalsha`, …) or
/// any command from raw arguments with `init(_:)`. Arguments are binary-safe: keys and
/// values are sent as their UTF-8 bytes, whatever they contain.
public struct RedisCommand: Sendable {
    /// The command's name, e.g. `ZADD`; errors name it instead of the arguments.
    public let name: String
    /// argv as RESP: `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per argument.
    let encoded: [UInt8]

    /// A command from its argv; `arguments[0]` is the command's name and must exist.
    public init(_ arguments: [String]) {
        precondition(!arguments.isEmpty, "a Redis command needs at least its name")
        self.init(arguments[0], argumentCount: arguments.count - 1) { writer in
            for argument in arguments.dropFirst() { writer.append(argument) }
        }
    }

    /// A command named `name` whose `argumentCount` arguments (the name excluded)
    /// `write` appends, in order: for a caller that builds a large command from parts
    /// without making a `String` per argument first.
    public init(_ name: String, argumentCount: Int, _ write: (inout RESPWriter) -> Void) {
        var writer = RESPWriter(elements: argumentCount + 1)
        writer.append(name)
        write(&writer)
        assert(writer.remaining == 0, "\(name): argumentCount does not match the arguments written")
        self.name = name
        self.encoded = writer.bytes
    }
}

/// Appends a RESP array of bulk strings to a byte buffer, without intermediate strings.
public struct RESPWriter {
    private(set) var bytes: [UInt8] = []
    /// Elements announced in the header and not yet written.
    private(set) var remaining: Int

    init(elements: Int) {
        remaining = elements
        bytes.reserveCapacity(16 + 24 * elements)
        bytes.append(UInt8(ascii: "*"))
        appendDecimal(Int64(elements))
        appendCRLF()
    }

    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { appendBulk($0) }
    }

    /// One argument made of `prefix`, `middle` and `suffix`, written without joining
    /// them into a `String` first (a key such as `rcpt:{cid}:seq`).
    public mutating func append(_ prefix: StaticString, _ middle: String, _ suffix: StaticString) {
        var middle = middle
        middle.withUTF8 { middle in
            beginBulk(count: prefix.utf8CodeUnitCount + middle.count + suffix.utf8CodeUnitCount)
            bytes.append(contentsOf: UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
            bytes.append(contentsOf: middle)
            bytes.append(contentsOf: UnsafeBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount))
            appendCRLF()
        }
    }

    /// One argument made of `first`, `separator` and `second`, written without joining
    /// them into a `String` first (a stored client message: sender, U+001F, clientMsgID).
    public mutating func append(_ first: String, _ separator: StaticString, _ second: String) {
        var first = first, second = second
        first.withUTF8 { first in
            second.withUTF8 { second in
                beginBulk(count: first.count + separator.utf8CodeUnitCount + second.count)
                bytes.append(contentsOf: first)
                bytes.append(contentsOf: UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount))
                bytes.append(contentsOf: second)
                appendCRLF()
            }
        }
    }

    /// `value` in decimal, optionally after a one-byte prefix such as `(`.
    public mutating func append(_ value: Int64, prefix: UInt8? = nil) {
        beginBulk(count: decimalLength(value) + (prefix == nil ? 0 : 1))
        if let prefix { bytes.append(prefix) }
        appendDecimal(value)
        appendCRLF()
    }

    public mutating func append(_ value: Int) { append(Int64(value)) }

    private mutating func appendBulk(_ utf8: UnsafeBufferPointer<UInt8>) {
        beginBulk(count: utf8.count)
        bytes.append(contentsOf: utf8)
        appendCRLF()
    }

    /// The header of one bulk string of `count` bytes, `$<count>\r\n`; its bytes and a
    /// CRLF follow.
    private mutating func beginBulk(count: Int) {
        remaining -= 1
        bytes.append(UInt8(ascii: "$"))
        appendDecimal(Int64(count))
        appendCRLF()
    }

    private mutating func appendCRLF() {
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        guard magnitude >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        // Digits from the last, into a buffer on the stack, then appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var first = digits.count
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first...]))
        }
    }

    private func decimalLength(_ value: Int64) -> Int {
        var length = value < 0 ? 2 : 1
        var magnitude = value.magnitude
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        return length
    }
}
