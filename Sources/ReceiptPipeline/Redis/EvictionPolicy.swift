import ReceiptRedis

/// Redis must never evict receiptd's keys: an evicted counter hands out seqs again,
/// an evicted watermark moves backwards. Redis evicts only with a `maxmemory` set
/// and a `maxmemory-policy` other than `noeviction`; that is checked on every new
/// connection of the state store.
enum EvictionPolicy {
    /// Why Redis may evict, or nil when it cannot: `noeviction`, or no `maxmemory`.
    /// A server that refuses `CONFIG GET` (managed Redis often does) cannot be
    /// checked and is reported as such.
    static func problem(on connection: RedisConnection) throws(RedisError) -> String? {
        let replies = try connection.pipeline([.configGet("maxmemory-policy"), .configGet("maxmemory")])
        guard case .success(let policyReply) = replies[0], case .success(let memoryReply) = replies[1],
              let policy = value(policyReply), let memory = value(memoryReply)
        else {
            return "Redis refused CONFIG GET, so its maxmemory-policy cannot be checked"
        }
        if policy == "noeviction" || memory == "0" { return nil }
        return "Redis's maxmemory-policy is \(policy) with maxmemory \(memory): it can evict receiptd's keys"
    }

    /// The value of a `CONFIG GET` reply, `[name, value]`.
    private static func value(_ reply: RedisReply) -> String? {
        guard case .array(let pair) = reply, pair.count == 2 else { return nil }
        return pair[1].string
    }
}

/// Redis may evict receiptd's keys and no operator allowed it (`--allow-evicting-redis`).
public struct RedisMayEvict: Error, CustomStringConvertible {
    public let reason: String
    public var description: String {
        "\(reason); set maxmemory-policy noeviction, or start with --allow-evicting-redis to accept the risk"
    }
}
