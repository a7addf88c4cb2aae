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
        // MULTI/EXEC: one moment for every key.
        let names = try redis.execute(RedisCommand(["KEYS", "*"])).array?.compactMap(\.string) ?? []
        var commands = [RedisCommand(["MULTI"])]
        for name in names { commands += [RedisCommand(["TYPE", name]), RedisCommand(["GET", name]),
                                         RedisCommand(["ZRANGE", name, "0", "-1", "WITHSCORES"])] }
        commands.append(RedisCommand(["EXEC"]))
        let replies = try redis.pipeline(commands)
        let results = try replies[replies.count - 1].get().array ?? []
        for (index, name) in names.enumerated() {
            let type = results[3 * index].string
            if type == "string", let value = results[3 * index + 1].string {
                snapshot.arguments += ["s", name, "1", value]
            } else if type == "zset", let pairs = results[3 * index + 2].array {
                snapshot.arguments += ["z", name, String(pairs.count / 2)]
                for pair in stride(from: 0, to: pairs.count, by: 2) {
                    snapshot.arguments += [pairs[pair + 1].string ?? "0", pairs[pair].string ?? ""]
                }
            } else {
                continue
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
