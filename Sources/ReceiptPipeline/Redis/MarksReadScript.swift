import ReceiptRedis

/// Reads every mark of a batch's marked users in one call, refusing when they are
/// more than the batch may hold: the marks a batch reads back grow with the number
/// of distinct marked users in it (each up to `maxMarksPerUser`), and one batch of
/// users with many marks each would otherwise be read whole into memory. Each key
/// costs a `ZCARD`, and a `ZRANGE` only when it holds marks (most hold none); a
/// refusal reads nothing, and the worker then cuts the batch.
///
/// KEYS are the marks zsets (score = member = seq), ARGV[1] the most marks to read
/// in all (0: no limit, for a batch of one record, which cannot be cut). Returns one
/// array of seqs per key, ascending, in key order; or fails with `overBudgetError`
/// followed by the number of marks the keys hold.
enum MarksReadScript {
    static let overBudgetError = "RECEIPTD_MARKS_OVER_BUDGET"

    static let script = RedisScript("""
        local budget = tonumber(ARGV[1])
        local counts, total = {}, 0
        for i = 1, #KEYS do
          counts[i] = redis.call('ZCARD', KEYS[i])
          total = total + counts[i]
        end
        if budget > 0 and total > budget then
          return redis.error_reply('\(overBudgetError) ' .. total)
        end
        local marks, none = {}, {}
        for i = 1, #KEYS do
          if counts[i] == 0 then marks[i] = none else marks[i] = redis.call('ZRANGE', KEYS[i], 0, -1) end
        end
        return marks
        """)
}

/// The marks a batch's users hold are more than one batch may read back
/// (`MarksReadScript`): the batch is cut and its parts read one by one.
struct MarksOverBudget: Error, CustomStringConvertible {
    /// How many marks the batch's users hold, as Redis counted them.
    var marks: Int

    var description: String { "the batch's users hold \(marks) marks, more than one batch may read back" }
}
