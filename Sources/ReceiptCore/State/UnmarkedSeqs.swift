/// What a marked watermark does not cover up to a conversation's maxSeq: the unacked
/// seqs of a delivery state, the unread seqs of a read state. Pure functions of the
/// stored values (`rcpt:{cid}:dlv` / `:dx:{uid}`, `rcpt:{cid}:read` / `:rx:{uid}`,
/// `rcpt:{cid}:seq`), so a query can answer from Redis without replaying anything.
///
/// `marks` need not be sorted, unique or above the watermark: marks at or below the
/// watermark, and above maxSeq, are ignored.
public enum UnmarkedSeqs {
    /// The seqs in (watermark, maxSeq] that are not marked, as ascending ranges: the
    /// gaps between marks, then everything above the highest mark up to maxSeq.
    /// Watermark 3, marks {5, 6}, maxSeq 9 → [4...4, 7...9].
    public static func ranges(watermark: Int64, marks: [Int64], maxSeq: Int64) -> [SeqRange] {
        var ranges: [SeqRange] = []
        var next = max(0, watermark) + 1
        for mark in relevant(marks, watermark: watermark, maxSeq: maxSeq) {
            if mark > next { ranges.append(SeqRange(from: next, through: mark - 1)) }
            next = mark + 1
        }
        if next <= maxSeq { ranges.append(SeqRange(from: next, through: maxSeq)) }
        return ranges
    }

    /// The oldest `limit` unmarked seqs, ascending: a bounded listing of `ranges`.
    public static func seqs(watermark: Int64, marks: [Int64], maxSeq: Int64, limit: Int) -> [Int64] {
        var listed: [Int64] = []
        for range in ranges(watermark: watermark, marks: marks, maxSeq: maxSeq) {
            var seq = range.lower
            while seq <= range.upper, listed.count < limit {
                listed.append(seq)
                seq += 1
            }
            if listed.count >= limit { break }
        }
        return listed
    }

    /// How many seqs up to maxSeq are not covered:
    /// maxSeq − watermark − |marks in (watermark, maxSeq]|, never negative. In the
    /// read models this is the user's unread count.
    public static func count(watermark: Int64, marks: [Int64], maxSeq: Int64) -> Int64 {
        let floor = max(0, watermark)
        guard maxSeq > floor else { return 0 }
        return maxSeq - floor - Int64(relevant(marks, watermark: floor, maxSeq: maxSeq).count)
    }

    /// A user's unread count under either read model (no marks: the watermark model).
    public static func unreadCount(_ state: MarkedWatermark, maxSeq: Int64) -> Int64 {
        count(watermark: state.watermark, marks: state.marks, maxSeq: maxSeq)
    }

    /// A recipient's unacked seqs as ranges.
    public static func unacked(_ state: MarkedWatermark, maxSeq: Int64) -> [SeqRange] {
        ranges(watermark: state.watermark, marks: state.marks, maxSeq: maxSeq)
    }

    private static func relevant(_ marks: [Int64], watermark: Int64, maxSeq: Int64) -> [Int64] {
        Array(Set(marks.filter { $0 > watermark && $0 <= maxSeq })).sorted()
    }
}
