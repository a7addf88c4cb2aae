import ReceiptRedis

/// Every key of a Redis (receiptd's keys are strings and sorted sets), taken at one
/// moment and put back later in one atomic script: what a restart from an older
/// snapshot or a restored backup does to the data, while the worker keeps running.
struct RedisSnapshot {
    /// Per key: "s" with its value, or "z" with its (score, member) pairs.
    private var arguments: [String] = []
    private(set) var keys = 0

    /// Blocking: call it through `onOwnThread`.
    static func take(url: String) throws -> RedisSnapshot {
        let redis = try RedisConnection.connect(try RedisEndpoint(url: url), timeoutMs: 10_000)
        var snapshot = RedisSnapshot()
        // One script: one moment for every key, as an RDB snapshot is (KEYS before a
        // MULTI missed the keys made between them, which no real snapshot does).
        let script = """
            local out = {}
            for _, name in ipairs(redis.call('KEYS', '*')) do
              local kind = redis.call('TYPE', name)['ok']
              if kind == 'string' then
                out[#out + 1] = {name, 's', redis.call('GET', name)}
              elseif kind == 'zset' then
                out[#out + 1] = {name, 'z', redis.call('ZRANGE', name, 0, -1, 'WITHSCORES')}
              end
            end
            return out
            """
        let entries = try redis.execute(RedisCommand(["EVAL", script, "0"])).array ?? []
        for entry in entries {
            guard let parts = entry.array, parts.count == 3, let name = parts[0].string else { continue }
            if parts[1].string == "s", let value = parts[2].string {
                snapshot.arguments += ["s", name, "1", value]
            } else if let pairs = parts[2].array {
                snapshot.arguments += ["z", name, String(pairs.count / 2)]
                for pair in stride(from: 0, to: pairs.count, by: 2) {
                    snapshot.arguments += [pairs[pair + 1].string ?? "0", pairs[pair].string ?? ""]
                }
            }
            snapshot.keys += 1
        }
        return snapshot
    }

    /// Replaces everything Redis holds with the snapshot, atomically.
    func restore(url: String) throws {
        let redis = try RedisConnection.connect(try RedisEndpoint(url: url), timeoutMs: 10_000)
        _ = try redis.execute(RedisCommand(["EVAL", Self.restoreScript, "0"] + arguments))
    }

    private static let restoreScript = """
        for _, key in ipairs(redis.call('KEYS', '*')) do redis.call('DEL', key) end
        local i = 1
        while i <= #ARGV do
          local kind, key, n = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
          if kind == 's' then
            redis.call('SET', key, ARGV[i + 3])
            i = i + 4
          else
            for j = 0, n - 1 do redis.call('ZADD', key, ARGV[i + 3 + 2 * j], ARGV[i + 4 + 2 * j]) end
            i = i + 3 + 2 * n
          end
        end
        return 1
        """
}
