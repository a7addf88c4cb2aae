import ReceiptRedis

/// Stores one user's marked watermark atomically: raises the watermark (never
/// lowers it), adds the marks above it, folds marks contiguous with it into it,
/// removes marks at or below it and keeps at most ARGV[3] marks (the highest go).
/// Idempotent and monotonic: a replayed or late write changes nothing, and the
/// result is the union of everything ever written, folded.
///
/// KEYS[1] is the watermark zset (member = userID), KEYS[2] the user's marks zset
/// (score = member = seq) and, for read state, KEYS[3] the conversation's read-mark
/// index (`RedisKeys.readMarkIndex`), which then holds an entry for exactly the marks
/// KEYS[2] keeps; ARGV[1] the userID, ARGV[2] the watermark, ARGV[3] the most marks
/// kept, ARGV[4...] the marks. Returns the stored watermark.
enum FoldMarksScript {
    static let script = RedisScript("""
        local user, index = ARGV[1], KEYS[3]
        -- The index entries of `seqs` (for read state; none otherwise).
        local function entries(seqs)
          local out = {}
          if index then
            for _, seq in ipairs(seqs) do out[#out + 1] = string.format('%019d', tonumber(seq)) .. user end
          end
          return out
        end
        -- `command key [score] member …` over `members`, 1,000 at a time; `score`
        -- gives each member's score (none when nil).
        local function each(command, key, members, score)
          for i = 1, #members, 1000 do
            local args = {}
            for j = i, math.min(i + 999, #members) do
              if score then args[#args + 1] = score(members[j]) end
              args[#args + 1] = members[j]
            end
            redis.call(command, key, unpack(args))
          end
        end
        local w = tonumber(redis.call('ZSCORE', KEYS[1], user) or '0')
        local target = tonumber(ARGV[2])
        if target > w then w = target end
        local added = {}
        for i = 4, #ARGV do
          if tonumber(ARGV[i]) > w then added[#added + 1] = ARGV[i] end
        end
        each('ZADD', KEYS[2], added, function(seq) return seq end)
        each('ZADD', index, entries(added), function() return '0' end)
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
        if index then
          each('ZREM', index, entries(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', w))))
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('%d', w))
        if w > 0 then redis.call('ZADD', KEYS[1], 'GT', string.format('%d', w), user) end
        local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
        if extra > 0 then
          if index then each('ZREM', index, entries(redis.call('ZRANGE', KEYS[2], -extra, -1))) end
          redis.call('ZREMRANGEBYRANK', KEYS[2], -extra, -1)
        end
        return w
        """)
}
