/// Strings, keys, scripts and server commands.
extension RedisCommand {
    /// GET key → bulk, or null when the key does not exist.
    public static func get(_ key: some RedisArgument) -> RedisCommand {
        RedisCommand("GET", argumentCount: 1) { key.write(to: &$0) }
    }

    /// SET key value [NX] [EX seconds] → `OK`, or null when `ifAbsent` and the key exists.
    public static func set(_ key: String, _ value: String, ifAbsent: Bool = false, expireSeconds: Int? = nil) -> RedisCommand {
        let count = 2 + (ifAbsent ? 1 : 0) + (expireSeconds == nil ? 0 : 2)
        return RedisCommand("SET", argumentCount: count) { writer in
            writer.append(key)
            writer.append(value)
            if ifAbsent { writer.append("NX") }
            if let expireSeconds {
                writer.append("EX")
                writer.append(expireSeconds)
            }
        }
    }

    /// INCR key → the new value.
    public static func incr(_ key: String) -> RedisCommand {
        RedisCommand("INCR", argumentCount: 1) { $0.append(key) }
    }

    /// INCRBY key increment → the new value.
    public static func incrBy(_ key: String, _ increment: Int64) -> RedisCommand {
        RedisCommand("INCRBY", argumentCount: 2) { writer in
            writer.append(key)
            writer.append(increment)
        }
    }

    /// EXISTS key → 1 or 0.
    /// CONFIG GET parameter → [name, value] (an error reply where CONFIG is disabled).
    public static func configGet(_ parameter: String) -> RedisCommand {
        RedisCommand(["CONFIG", "GET", parameter])
    }

    public static func exists(_ key: String) -> RedisCommand {
        RedisCommand("EXISTS", argumentCount: 1) { $0.append(key) }
    }

    /// DEL key → the number of keys removed (0 or 1).
    public static func del(_ key: String) -> RedisCommand { del([key]) }

    /// DEL key… → the number of keys removed. `keys` must not be empty.
    public static func del(_ keys: [String]) -> RedisCommand {
        RedisCommand("DEL", argumentCount: keys.count) { writer in
            for key in keys { writer.append(key) }
        }
    }

    /// EVALSHA sha numkeys key… arg… → whatever the script returns. A server without
    /// the script answers with a `.noScript` error: `load` it and send again.
    public static func evalsha(_ script: RedisScript, keys: [String], args: [String]) -> RedisCommand {
        RedisCommand("EVALSHA", argumentCount: 2 + keys.count + args.count) { writer in
            writer.append(script.sha1)
            writer.append(keys.count)
            for key in keys { writer.append(key) }
            for arg in args { writer.append(arg) }
        }
    }

    /// SCRIPT LOAD source → the script's SHA-1.
    public static func scriptLoad(_ script: RedisScript) -> RedisCommand {
        RedisCommand("SCRIPT", argumentCount: 2) { writer in
            writer.append("LOAD")
            writer.append(script.source)
        }
    }

    /// PING → `PONG`.
    public static var ping: RedisCommand { RedisCommand(["PING"]) }

    /// FLUSHALL → `OK`. Deletes every key of every database: for tools, not tests
    /// that share a server.
    public static var flushall: RedisCommand { RedisCommand(["FLUSHALL"]) }
}
