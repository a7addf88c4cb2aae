import ReceiptRedis

/// Allocates seqs for the new messages of many conversations in one call,
/// atomically and idempotently by message (sender and clientMsgID, as
/// `ClientMessage.storedID`): a message the conversation already gave a seq gets it
/// again, the others get the next seqs of the
/// conversation's counter (one `INCRBY` per conversation). A seq is never given to
/// two messages, even when two workers race on one conversation during a rebalance.
///
/// One call serves a chunk of a batch's conversations, and each conversation costs
/// a few commands however many messages it has: a script call costs Redis about as
/// much as six native commands, and a key per message (the first design) grew the
/// keyspace by every message of the TTL. The keys span conversations, so the call
/// needs a standalone Redis, which the global sentinel already requires.
///
/// The messages a conversation allocated are a sorted set (score = seq) that
/// keeps the last `window` seqs, and never fewer than every seq allocated since the
/// partition's checkpoint: a retry of any of them, and any replay, gets its seq again.
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
/// Both sets are trimmed lazily, when the conversation's counter passes a multiple
/// of 16, so each keeps at most 16 entries more than it must. A conversation with
/// one new message in the call (the common case) takes a path without Lua tables.
/// (Both measured with redis-benchmark: BENCHMARKS.md.)
///
/// Allocation is optimistic: a conversation's messages take the next seqs and are
/// added with `ZADD NX` without being looked up first, since nearly all are new. A
/// message already in the set (a client's retry, a replay) keeps its seq, and in
/// the same atomic call the counter is set back and the messages this call did add
/// are renumbered right after the counter's old value: seqs stay contiguous, and
/// the end state is what looking every message up first gives. This relies on what
/// the script and re-seeding keep: no seq in the set is above the counter. A
/// conversation without a counter yet has its messages looked up first. One new
/// message costs `INCR` and two `ZADD`s; looking it up first cost a `ZSCORE` (or a
/// share of a `ZMSCORE`) more, each a scan of the listpack that holds a small set.
///
/// A counter that is gone while its conversation's client messages remain was
/// deleted or evicted behind receiptd's back: restarting it would hand out seqs
/// again. The script then takes back its own increment, writes
/// `RedisKeys.rolledBack` into the sentinel and fails with `counterMissingError`,
/// and the state is rebuilt from PostgreSQL as after a rollback. (Checked only when
/// the counter starts: one `EXISTS` per conversation's first message.)
///
/// Seqs go to `redis.call` as strings formatted with `%d`, and positions as the
/// strings they came in: Redis formats a Lua number argument with `%.17g`, and that
/// float formatting showed in Redis's profile at max rate (BENCHMARKS.md).
///
/// KEYS[1] is the sentinel, then per conversation: its counter, its allocation
/// positions and its client messages. ARGV[1] is the epoch, ARGV[2] the window, then
/// per conversation: its message count n, its trim position, the n messages (stored IDs) in
/// event order and the n positions (-1 when unknown). Returns the seqs, one per
/// message, in order.
public enum AllocationScript {
    public static let stateLostError = "RECEIPTD_STATE_LOST"
    public static let counterMissingError = "RECEIPTD_COUNTER_MISSING"

    public static let script = RedisScript("""
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return redis.error_reply('\(stateLostError) the sentinel does not hold this epoch')
        end
        local call, format = redis.call, string.format
        local window = tonumber(ARGV[2])
        -- A counter that starts while the conversation's messages remain was deleted.
        local function vanished(counter, messages)
          call('DEL', counter)
          call('SET', KEYS[1], '\(RedisKeys.rolledBack)')
          return redis.error_reply('\(counterMissingError) ' .. counter .. ' is gone while ' .. messages .. ' remains')
        end
        -- Sets a counter back to `to`: a counter is never 0, so 0 means it did not exist.
        local function lower(counter, by, to)
          if to == 0 then call('DEL', counter) else call('DECRBY', counter, by) end
        end
        -- ZADD of the score/member pairs in `args`, 500 pairs per call; `flag` 'NX'
        -- leaves a member already there as it is. Returns how many were added.
        local function zadd(key, flag, args)
          local added = 0
          for first = 1, #args, 1000 do
            local last = math.min(first + 999, #args)
            if flag then added = added + call('ZADD', key, flag, unpack(args, first, last))
            else added = added + call('ZADD', key, unpack(args, first, last)) end
          end
          return added
        end
        -- Scores the messages at `list` (indices after `ids`) with the seqs after `base`,
        -- in order. Returns how many were added.
        local function score(messages, ids, list, base, flag)
          local args = {}
          for d = 1, #list do args[2 * d - 1] = format('%d', base + d); args[2 * d] = ARGV[ids + list[d]] end
          return zadd(messages, flag, args)
        end
        local out, o = {}, 0
        local k, a = 2, 3
        while a <= #ARGV do
          local n = tonumber(ARGV[a])
          local counter, positions, messages = KEYS[k], KEYS[k + 1], KEYS[k + 2]
          local ids, at = a + 1, a + 1 + n
          local top, fresh = 0, 0
          if n == 1 then
            -- Optimistic: the message is new (it nearly always is), so it takes the next
            -- seq and is added in one step; a retry or a replay gives the seq back.
            local id = ARGV[ids + 1]
            local seq = call('INCR', counter)
            if seq == 1 and call('EXISTS', messages) == 1 then return vanished(counter, messages) end
            local member = format('%d', seq)
            if call('ZADD', messages, 'NX', member, id) == 1 then
              top, fresh = seq, 1
              local position = ARGV[at + 1]
              if position ~= '-1' then call('ZADD', positions, position, member) end
            else
              lower(counter, 1, seq - 1)
              seq = tonumber(call('ZSCORE', messages, id))
            end
            o = o + 1; out[o] = seq
          else
            -- Each distinct message once, at its first event.
            local known, distinct = {}, {}
            for i = 1, n do
              local id = ARGV[ids + i]
              if known[id] == nil then known[id] = false; distinct[#distinct + 1] = i end
            end
            local count = #distinct
            top = call('INCRBY', counter, count)
            local base = top - count
            if base == 0 and call('EXISTS', messages) == 1 then return vanished(counter, messages) end
            local new = distinct
            -- A seq in the set is never above the counter, so a message this call added
            -- is one scored base + d. Without a counter before (base 0) seqs already in
            -- the set could look like that: the messages are then looked up first.
            local optimistic = base > 0
            if not optimistic or score(messages, ids, distinct, base, 'NX') < count then
              -- Some were given seqs before (a retry, a replay): they keep theirs. The
              -- messages this call added are renumbered after the counter's old value,
              -- so the seqs stay contiguous, and the counter is set back to match.
              new = {}
              for first = 1, count, 1000 do
                local last = math.min(first + 999, count)
                local names = {}
                for d = first, last do names[#names + 1] = ARGV[ids + distinct[d]] end
                local seqs = call('ZMSCORE', messages, unpack(names))
                for d = first, last do
                  local seq = tonumber(seqs[d - first + 1])
                  if (optimistic and seq == base + d) or (not optimistic and seq == nil) then
                    new[#new + 1] = distinct[d]
                  else
                    known[ARGV[ids + distinct[d]]] = seq
                  end
                end
              end
              top = base + #new
              lower(counter, count - #new, top)
              if #new > 0 then score(messages, ids, new, base) end
            end
            fresh = #new
            local scored = {}
            for d = 1, fresh do
              local i = new[d]
              known[ARGV[ids + i]] = base + d
              local position = ARGV[at + i]
              if position ~= '-1' then scored[#scored + 1] = position; scored[#scored + 1] = format('%d', base + d) end
            end
            zadd(positions, nil, scored)
            for i = 1, n do o = o + 1; out[o] = known[ARGV[ids + i]] end
          end
          -- Trimming is lazy: once every 16 seqs of the conversation (so each set keeps at
          -- most 16 entries more than it must).
          if fresh > 0 and math.floor(top / 16) ~= math.floor((top - fresh) / 16) then
            local trim = ARGV[a + 1]
            if top > window then
              -- Keep every seq a replay from the checkpoint could ask for again, even
              -- past the window: the first allocation recorded at or after it.
              local floor = top - window + 1
              local since = call('ZRANGEBYSCORE', positions, trim, '+inf', 'LIMIT', 0, 1)
              if since[1] and tonumber(since[1]) < floor then floor = tonumber(since[1]) end
              call('ZREMRANGEBYSCORE', messages, '-inf', '(' .. floor)
            end
            if tonumber(trim) > 0 then call('ZREMRANGEBYSCORE', positions, '-inf', '(' .. trim) end
          end
          k, a = k + 3, a + 2 + 2 * n
        end
        return out
        """)

    /// Arguments per script call before a batch's allocations go into another call,
    /// so no single call holds Redis for long.
    public static let argumentsPerCall = 4_096
}
