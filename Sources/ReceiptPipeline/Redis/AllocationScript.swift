import ReceiptRedis

/// Allocates seqs for the new messages of one conversation, atomically and
/// idempotently by clientMsgID: a clientMsgID that already has a seq gets it again,
/// any other gets `INCR` of the counter. A seq is never given to two messages, even
/// when two workers race on one conversation during a rebalance.
///
/// KEYS[1] is the counter, KEYS[2...] the clientMsgID keys in event order; ARGV[1]
/// the TTL of a clientMsgID key in seconds. Returns one seq per clientMsgID key.
enum AllocationScript {
    static let script = RedisScript("""
        local out = {}
        for i = 2, #KEYS do
          local seq = redis.call('GET', KEYS[i])
          if seq then
            out[#out + 1] = tonumber(seq)
          else
            seq = redis.call('INCR', KEYS[1])
            redis.call('SET', KEYS[i], seq, 'EX', ARGV[1])
            out[#out + 1] = seq
          end
        end
        return out
        """)
}
