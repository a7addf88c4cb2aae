import ReceiptRedis

/// Stores one user's marked watermark atomically: raises the watermark (never
/// lowers it), adds the marks above it, folds marks contiguous with it into it,
/// removes marks at or below it and keeps at most ARGV[3] marks (the highest go).
/// Idempotent and monotonic: a replayed or late write changes nothing, and the
/// result is the union of everything ever written, folded.
///
/// KEYS[1] is the watermark zset (member = userID), KEYS[2] the user's marks zset
/// (score = member = seq); ARGV[1] the userID, ARGV[2] the watermark, ARGV[3] the
/// most marks kept, ARGV[4...] the marks. Returns the stored watermark.
enum FoldMarksScript {
    static let script = RedisScript("""
        local w = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
        local target = tonumber(ARGV[2])
        if target > w then w = target end
        local batch = {}
        for i = 4, #ARGV do
          if tonumber(ARGV[i]) > w then
            batch[#batch + 1] = ARGV[i]
            batch[#batch + 1] = ARGV[i]
          end
          if #batch >= 1000 or (i == #ARGV and #batch > 0) then
            redis.call('ZADD', KEYS[2], unpack(batch))
            batch = {}
          end
        end
        while true do
          local next = redis.call('ZRANGEBYSCORE', KEYS[2], string.format('(%d', w), '+inf', 'LIMIT', 0, 256)
          local folded = 0
          for _, seq in ipairs(next) do
            if tonumber(seq) ~= w + 1 then break end
            w = w + 1
            folded = folded + 1
          end
          if folded < 256 then break end
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', w))
        if w > 0 then redis.call('ZADD', KEYS[1], 'GT', string.format('%d', w), ARGV[1]) end
        local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
        if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[2], -extra, -1) end
        return w
        """)
}
