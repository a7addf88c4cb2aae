import ReceiptRedis

/// Allocates seqs for the new messages of many conversations in one call,
/// atomically and idempotently by clientMsgID: a clientMsgID that already has a seq
/// gets it again, the others get the next seqs of their conversation's counter
/// (one `INCRBY` per conversation). A seq is never given to two messages, even when
/// two workers race on one conversation during a rebalance.
///
/// One call serves a chunk of a batch's conversations: a script call costs Redis
/// about as much as six native commands, so one call per conversation made
/// allocation the most expensive part of a batch. The keys span conversations, so
/// the call needs a standalone Redis (or one slot), which the global sentinel
/// already requires.
///
/// It allocates nothing unless the sentinel still holds the epoch the worker knows:
/// after Redis lost its data a missing counter would restart at 1 and hand out seqs
/// again, so the worker must first re-seed Redis from PostgreSQL.
///
/// Each fresh allocation is recorded with its event's stream position in the
/// conversation's sorted set of allocation positions (seq scored by position), so a
/// replayed batch can tell which seqs did not exist yet at its start; positions
/// below the partition's checkpoint are trimmed.
///
/// KEYS[1] is the sentinel, then per conversation: its counter, its allocation
/// positions and its clientMsgID keys in event order. ARGV[1] is the epoch, ARGV[2]
/// the TTL of a clientMsgID key in seconds, then per conversation: its message count
/// n, its trim position, and each message's position (-1 when unknown). Returns the
/// seqs, one per clientMsgID key, in order.
public enum AllocationScript {
    public static let stateLostError = "RECEIPTD_STATE_LOST"

    public static let script = RedisScript("""
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return redis.error_reply('\(stateLostError) the sentinel does not hold this epoch')
        end
        local out = {}
        local k, a = 2, 3
        while a <= #ARGV do
          local n, trim = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
          local counter, positions = KEYS[k], KEYS[k + 1]
          local known, fresh = {}, {}
          for i = 1, n do
            local key = KEYS[k + 1 + i]
            if known[key] == nil then
              local seq = redis.call('GET', key)
              if seq then known[key] = tonumber(seq) else known[key] = false; fresh[#fresh + 1] = i end
            end
          end
          if #fresh > 0 then
            local seq = redis.call('INCRBY', counter, #fresh) - #fresh
            local scored = {}
            for _, i in ipairs(fresh) do
              seq = seq + 1
              local key = KEYS[k + 1 + i]
              known[key] = seq
              redis.call('SET', key, seq, 'EX', ARGV[2])
              local position = tonumber(ARGV[a + 1 + i])
              if position >= 0 then scored[#scored + 1] = position; scored[#scored + 1] = seq end
              if #scored >= 1000 then redis.call('ZADD', positions, unpack(scored)); scored = {} end
            end
            if #scored > 0 then redis.call('ZADD', positions, unpack(scored)) end
          end
          for i = 1, n do out[#out + 1] = known[KEYS[k + 1 + i]] end
          if trim > 0 then redis.call('ZREMRANGEBYSCORE', positions, '-inf', '(' .. trim) end
          k, a = k + 2 + n, a + 2 + n
        end
        return out
        """)

    /// Keys per script call before a batch's allocations go into another call, so no
    /// single call holds Redis for long.
    public static let keysPerCall = 2_048
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
