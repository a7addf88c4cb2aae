import ReceiptRedis

/// Raises a counter to ARGV[1] unless it is already there or beyond: re-seeding
/// never lowers a maxSeq some replica has since moved on.
enum RaiseCounterScript {
    static let script = RedisScript("""
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
        return 1
        """)
}
