/// Sorted-set commands with integer scores.
extension RedisCommand {
    /// One end of a score range. An integer literal is an inclusive bound.
    public enum ScoreBound: Sendable, Equatable, ExpressibleByIntegerLiteral {
        case inclusive(Int64)
        case exclusive(Int64)
        case negativeInfinity
        case positiveInfinity

        public init(integerLiteral value: Int64) { self = .inclusive(value) }

        fileprivate func write(to writer: inout RESPWriter) {
            switch self {
            case .inclusive(let score): writer.append(score)
            case .exclusive(let score): writer.append(score, prefix: UInt8(ascii: "("))
            case .negativeInfinity: writer.append("-inf")
            case .positiveInfinity: writer.append("+inf")
            }
        }
    }

    /// ZADD key [GT|LT] [CH] score member… → the number of members added, or with
    /// `changed` added or updated.
    ///
    /// `greaterThan` only ever raises an existing member's score, never lowers it;
    /// `lessThan` only ever lowers it. New members are always added. `members` must
    /// not be empty.
    public static func zadd(
        _ key: some RedisArgument, greaterThan: Bool = false, lessThan: Bool = false, changed: Bool = false,
        _ members: [(score: Int64, member: String)]
    ) -> RedisCommand {
        precondition(!(greaterThan && lessThan), "ZADD takes GT or LT, not both")
        let count = 1 + (greaterThan || lessThan ? 1 : 0) + (changed ? 1 : 0) + 2 * members.count
        return RedisCommand("ZADD", argumentCount: count) { writer in
            key.write(to: &writer)
            if greaterThan { writer.append("GT") }
            if lessThan { writer.append("LT") }
            if changed { writer.append("CH") }
            for (score, member) in members {
                writer.append(score)
                writer.append(member)
            }
        }
    }

    /// ZSCORE key member → the score as a bulk string, or null.
    public static func zscore(_ key: String, _ member: String) -> RedisCommand {
        RedisCommand("ZSCORE", argumentCount: 2) { writer in
            writer.append(key)
            writer.append(member)
        }
    }

    /// ZMSCORE key member… → an array with one score or null per member.
    public static func zmscore(_ key: some RedisArgument, _ members: [String]) -> RedisCommand {
        RedisCommand("ZMSCORE", argumentCount: 1 + members.count) { writer in
            key.write(to: &writer)
            for member in members { writer.append(member) }
        }
    }

    /// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count] → members in score
    /// order, each followed by its score when `withScores`.
    public static func zrangeByScore(
        _ key: String, min: ScoreBound, max: ScoreBound, withScores: Bool = false, limit: (offset: Int, count: Int)? = nil
    ) -> RedisCommand {
        let count = 3 + (withScores ? 1 : 0) + (limit == nil ? 0 : 3)
        return RedisCommand("ZRANGEBYSCORE", argumentCount: count) { writer in
            writer.append(key)
            min.write(to: &writer)
            max.write(to: &writer)
            if withScores { writer.append("WITHSCORES") }
            if let limit {
                writer.append("LIMIT")
                writer.append(limit.offset)
                writer.append(limit.count)
            }
        }
    }

    /// ZCOUNT key min max → the number of members with a score in the range.
    public static func zcount(_ key: some RedisArgument, min: ScoreBound, max: ScoreBound) -> RedisCommand {
        RedisCommand("ZCOUNT", argumentCount: 3) { writer in
            key.write(to: &writer)
            min.write(to: &writer)
            max.write(to: &writer)
        }
    }

    /// ZREM key member… → the number of members removed. `members` must not be empty.
    public static func zrem(_ key: String, _ members: [String]) -> RedisCommand {
        RedisCommand("ZREM", argumentCount: 1 + members.count) { writer in
            writer.append(key)
            for member in members { writer.append(member) }
        }
    }

    /// ZREMRANGEBYSCORE key min max → the number of members removed.
    public static func zremRangeByScore(_ key: String, min: ScoreBound, max: ScoreBound) -> RedisCommand {
        RedisCommand("ZREMRANGEBYSCORE", argumentCount: 3) { writer in
            writer.append(key)
            min.write(to: &writer)
            max.write(to: &writer)
        }
    }
}
