import ReceiptRedis

/// Allocates seqs for the new messages of one conversation, atomically and
/// idempotently by clientMsgID: a clientMsgID that already has a seq gets it again,
/// any other gets `INCR` of the counter. A seq is never given to two messages, even
/// when two workers race on one conversation during a rebalance.
///
/// It allocates nothing unless the sentinel still holds the epoch the worker knows:
/// after Redis lost its data a missing counter would restart at 1 and hand out seqs
/// again, so the worker must first re-seed Redis from PostgreSQL.
///
/// Each fresh allocation is recorded with its event's stream position in a sorted
/// set (seq scored by position), so a replayed batch can tell which seqs did not
/// exist yet at its start; positions below the partition's checkpoint are trimmed.
///
/// KEYS[1] is the counter, KEYS[2] the sentinel, KEYS[3] the allocation positions,
/// KEYS[4...] the clientMsgID keys in event order; ARGV[1] the TTL of a clientMsgID
/// key in seconds, ARGV[2] the epoch, ARGV[3] the trim position, ARGV[4...] each
/// message's position (-1 when unknown). Returns one seq per clientMsgID key.
public enum AllocationScript {
    public static let stateLostError = "RECEIPTD_STATE_LOST"

    public static let script = RedisScript("""
        if redis.call('GET', KEYS[2]) ~= ARGV[2] then
          return redis.error_reply('\(stateLostError) the sentinel does not hold this epoch')
        end
        local out = {}
        for i = 4, #KEYS do
          local seq = redis.call('GET', KEYS[i])
          if seq then
            out[#out + 1] = tonumber(seq)
          else
            seq = redis.call('INCR', KEYS[1])
            redis.call('SET', KEYS[i], seq, 'EX', ARGV[1])
            local position = tonumber(ARGV[i])
            if position >= 0 then redis.call('ZADD', KEYS[3], position, seq) end
            out[#out + 1] = seq
          end
        end
        if tonumber(ARGV[3]) > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3]) end
        return out
        """)
}

/// Raises a counter to ARGV[1] unless it is already there or beyond: re-seeding
/// never lowers a maxSeq some replica has since moved on.
enum RaiseCounterScript {
    static let script = RedisScript("""
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
        return 1
        """)
}
