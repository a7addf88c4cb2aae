extension RedisCommand {
    /// The hash slot of the command's first key, found as Redis finds keys for the
    /// commands receiptd sends: argv[1] for key commands, argv[3] for `EVAL`/`EVALSHA`
    /// with at least one key; nil for a command without keys (`PING`, `WAIT`,
    /// `SCRIPT`, an `EVALSHA` with no keys, …), which any node may run.
    ///
    /// Parsed from the encoded argv, so building commands costs standalone Redis
    /// nothing; only a cluster client asks.
    public var slot: Int? {
        guard let keyIndex = Self.firstKeyIndex(name) else { return nil }
        var arguments = RESPArguments(encoded)
        var index = 0
        while let argument = arguments.next() {
            if index == 2, keyIndex == 3 {
                // EVAL/EVALSHA: argv[2] is numkeys; no keys, no slot.
                guard let count = Int(String(decoding: encoded[argument], as: UTF8.self)), count > 0 else { return nil }
            }
            if index == keyIndex { return RedisHashSlot.of(encoded[argument]) }
            index += 1
        }
        return nil
    }

    /// Where the first key is in argv, by command name; nil for commands without keys.
    private static func firstKeyIndex(_ name: String) -> Int? {
        switch name.uppercased() {
        case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO": 3
        case "PING", "WAIT", "SCRIPT", "CONFIG", "INFO", "CLUSTER", "MULTI", "EXEC", "DISCARD", "ASKING", "READONLY",
             "SELECT", "AUTH", "HELLO", "FLUSHALL", "FLUSHDB", "DBSIZE", "KEYS", "SCAN", "TIME", "COMMAND", "CLIENT",
             "DEBUG", "ECHO", "QUIT", "RESET", "REPLICAOF", "SLAVEOF", "ROLE", "LASTSAVE", "SAVE", "BGSAVE", "SHUTDOWN",
             "FUNCTION", "MEMORY", "LATENCY", "SLOWLOG", "MONITOR", "SWAPDB", "WAITAOF":
            nil
        default: 1
        }
    }
}

/// The bulk strings of an encoded RESP array, as ranges into it, in order.
struct RESPArguments: IteratorProtocol {
    private let bytes: [UInt8]
    private var position: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        // Skip the `*<count>\r\n` header.
        position = (bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count - 1) + 1
    }

    mutating func next() -> Range<Int>? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "$") else { return nil }
        var length = 0
        var cursor = position + 1
        while cursor < bytes.count, bytes[cursor] != UInt8(ascii: "\r") {
            length = length * 10 + Int(bytes[cursor] - UInt8(ascii: "0"))
            cursor += 1
        }
        let start = cursor + 2
        guard start + length <= bytes.count else { return nil }
        position = start + length + 2
        return start..<(start + length)
    }
}
