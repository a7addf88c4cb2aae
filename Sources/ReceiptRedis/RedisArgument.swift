/// What a command writes as one argument: a `String`, or a key made of parts
/// (`RedisKeyParts`) that is written without being joined into a `String` first.
public protocol RedisArgument {
    func write(to writer: inout RESPWriter)
}

extension String: RedisArgument {
    public func write(to writer: inout RESPWriter) { writer.append(self) }
}

/// A key as its parts, `prefix`, `middle` and `suffix` (`rcpt:{`, a conversationID,
/// `}:seq`): a command built per conversation on a hot path writes it without
/// allocating the key's `String`.
public struct RedisKeyParts: RedisArgument, Sendable {
    public let prefix: StaticString
    public let middle: String
    public let suffix: StaticString

    public init(_ prefix: StaticString, _ middle: String, _ suffix: StaticString) {
        self.prefix = prefix
        self.middle = middle
        self.suffix = suffix
    }

    /// The key as one `String`.
    public var joined: String { "\(prefix)\(middle)\(suffix)" }

    public func write(to writer: inout RESPWriter) { writer.append(prefix, middle, suffix) }
}
