import ReceiptRedis

/// Raises a partition's replay horizon: the offset after the last record whose
/// state any worker may have written to Redis. Sent with each batch's read, so it is
/// stored before the batch's write; a worker that takes the partition over treats
/// every record below it as a possible replay.
///
/// The value is `epoch|offset`: a horizon written under another epoch than the one
/// its scope's sentinel holds (before Redis lost its data or was rebuilt after a
/// rollback) says nothing about the state there now (`RedisStateStore.replayHorizons`),
/// and a raise under the current epoch replaces it whatever its offset.
///
/// KEYS[1] is the horizon (`RedisKeys.replayHorizon`); ARGV[1] the epoch of its
/// scope, ARGV[2] the offset. Returns 1 when it was raised.
enum ReplayHorizonScript {
    static let script = RedisScript("""
        local value = redis.call('GET', KEYS[1])
        if value then
          local at = string.find(value, '|', 1, true)
          if at and string.sub(value, 1, at - 1) == ARGV[1]
             and tonumber(string.sub(value, at + 1)) >= tonumber(ARGV[2]) then
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2])
        return 1
        """)
}
