import ReceiptRedis

/// Checks that Redis still holds everything this worker process was told it wrote,
/// then advances the process's write position: the check that no rollback (a
/// failover to a replica that lagged, a restart from an older snapshot, a restored
/// backup) goes unnoticed before the worker decides anything from Redis again.
///
/// Only the process that owns a write position (`RedisKeys.writer`) advances it,
/// one `INCR` at a time, so each reply it reads is higher than the one before
/// unless Redis lost writes. Redis applies commands in one order, and every way it
/// loses data (an asynchronous replica, a snapshot, an AOF without its last second)
/// keeps a prefix of that order: a Redis that dropped any write made before an
/// `INCR` this process saw answered has dropped that `INCR` too, and holds a
/// position below what the process acknowledged.
///
/// A worker that takes over partitions also requires the positions their
/// checkpoints recorded (`CheckpointMark`: the writer that flushed them and its
/// position then), so a Redis older than the state PostgreSQL holds is noticed
/// before the first batch of those partitions reads it; its own `INCR` in the same
/// call then covers those writes from here on.
///
/// KEYS[1] is the sentinel, KEYS[2] the writer's position, then other writers'
/// positions; ARGV[1] the epoch the worker knows, ARGV[2] the highest position it
/// acknowledged, then the least each other writer's position must be. Returns the
/// new position. Errors: `stateLostError` when the sentinel no longer holds the epoch;
/// `rolledBackError` when the position is below ARGV[2], after first writing
/// `RedisKeys.rolledBack` into the sentinel, so that every worker's allocations
/// refuse until Redis is rebuilt.
enum WriterPositionScript {
    static let rolledBackError = "RECEIPTD_ROLLED_BACK"

    static let script = RedisScript("""
        local epoch = redis.call('GET', KEYS[1])
        if epoch ~= ARGV[1] then
          return redis.error_reply('\(AllocationScript.stateLostError) the sentinel does not hold this epoch')
        end
        local position = tonumber(redis.call('GET', KEYS[2]) or '0')
        if position < tonumber(ARGV[2]) then
          redis.call('SET', KEYS[1], '\(RedisKeys.rolledBack)')
          return redis.error_reply('\(rolledBackError) write position ' .. position .. ' is below ' .. ARGV[2])
        end
        for i = 3, #KEYS do
          local required = tonumber(redis.call('GET', KEYS[i]) or '0')
          if required < tonumber(ARGV[i]) then
            redis.call('SET', KEYS[1], '\(RedisKeys.rolledBack)')
            return redis.error_reply('\(rolledBackError) ' .. KEYS[i] .. ' is at ' .. required .. ', below the '
              .. ARGV[i] .. ' a checkpoint recorded')
          end
        end
        return redis.call('INCR', KEYS[2])
        """)

    /// A position no writer reaches: checking against it always finds a rollback,
    /// which is how a worker that noticed one otherwise (a reply out of order) marks
    /// the sentinel.
    static let beyondAny = Int64.max
}
