/// A watermark with the seqs marked individually above it (message-level read, or
/// delivery acks with gaps). Invariants: the watermark never decreases, every mark
/// is above the watermark, and marks that become contiguous with the watermark are
/// folded into it: acks 1, 2, 3 → watermark 3; then 5, 6 → watermark 3, marks
/// {5, 6}; then 4 → watermark 6, no marks.
public struct MarkedWatermark: Sendable, Equatable {
    public private(set) var watermark: Int64
    /// Ascending, unique, all above `watermark`.
    public private(set) var marks: [Int64]

    public init(watermark: Int64 = 0, marks: [Int64] = []) {
        self.watermark = max(0, watermark)
        self.marks = []
        guard !marks.isEmpty else { return }
        self.marks = Self.normalized(marks, above: self.watermark)
        fold()
    }

    /// The highest seq this state covers: the last mark, else the watermark.
    public var highestCovered: Int64 { marks.last ?? watermark }

    /// Whether `seq` is covered: at or below the watermark, or marked.
    public func covers(_ seq: Int64) -> Bool {
        seq <= watermark || Self.binarySearch(marks, seq)
    }

    /// Raises the watermark to `seq` (never lowers it) and folds.
    public mutating func advance(to seq: Int64) {
        guard seq > watermark else { return }
        watermark = seq
        guard !marks.isEmpty else { return }
        if let firstAbove = marks.firstIndex(where: { $0 > seq }) {
            marks.removeFirst(firstAbove)
        } else {
            marks.removeAll()
        }
        fold()
    }

    /// Marks seqs individually; returns those that were not already covered.
    @discardableResult
    public mutating func mark(_ seqs: [Int64]) -> [Int64] {
        let fresh = Self.normalized(seqs, above: watermark).filter { !Self.binarySearch(marks, $0) }
        guard !fresh.isEmpty else { return [] }
        marks = Self.mergeSorted(marks, fresh)
        fold()
        return fresh
    }

    /// Forgets the highest marks beyond `limit`, so the state stays bounded. A
    /// forgotten mark reads as not covered (unacked, unread) until it is marked again
    /// or the watermark passes it: the safe side for both delivery and read.
    public mutating func keepLowestMarks(_ limit: Int) {
        if marks.count > limit { marks.removeLast(marks.count - max(0, limit)) }
    }

    /// The union of both states: the higher watermark and every mark above it.
    public mutating func merge(_ other: MarkedWatermark) {
        guard !marks.isEmpty || !other.marks.isEmpty else {
            watermark = max(watermark, other.watermark)  // watermarks alone: nothing to fold
            return
        }
        let combined = marks + other.marks
        watermark = max(watermark, other.watermark)
        marks = Self.normalized(combined, above: watermark)
        fold()
    }

    /// The union of both states, as a new value.
    public func merged(with other: MarkedWatermark) -> MarkedWatermark {
        var union = self
        union.merge(other)
        return union
    }

    /// This state after an ack or an exact read that covers everything through
    /// `watermark` (when given) and each of `seqs`, keeping at most `maxMarks` marks;
    /// with the newest `newest` seqs it newly covers, ascending.
    public func covering(
        through watermark: Int64?, seqs: [Int64], maxMarks: Int, newest: Int
    ) -> (state: MarkedWatermark, newlyCovered: [Int64]) {
        var after = self
        if let watermark { after.advance(to: watermark) }
        after.mark(seqs)
        after.keepLowestMarks(maxMarks)
        return (after, after.newlyCovered(since: self, newest: newest))
    }

    /// The newest `limit` seqs this state covers and `earlier` did not, ascending:
    /// what an ack or an exact read newly covered. Costs O(limit + earlier's marks),
    /// however far the watermark jumped.
    public func newlyCovered(since earlier: MarkedWatermark, newest limit: Int) -> [Int64] {
        guard limit > 0 else { return [] }
        var found: [Int64] = []
        for seq in marks.reversed() where found.count < limit && !earlier.covers(seq) {
            found.append(seq)
        }
        var seq = watermark
        while found.count < limit, seq > earlier.watermark {
            if !earlier.covers(seq) { found.append(seq) }
            seq -= 1
        }
        return found.reversed()
    }

    /// Moves marks contiguous with the watermark into it: {w+1, w+2} → w+2.
    private mutating func fold() {
        var consumed = 0
        while consumed < marks.count, marks[consumed] == watermark + 1 {
            watermark += 1
            consumed += 1
        }
        if consumed > 0 { marks.removeFirst(consumed) }
    }

    private static func normalized(_ seqs: [Int64], above floor: Int64) -> [Int64] {
        Array(Set(seqs.filter { $0 > floor })).sorted()
    }

    private static func mergeSorted(_ a: [Int64], _ b: [Int64]) -> [Int64] {
        var merged: [Int64] = []
        merged.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { merged.append(a[i]); i += 1 } else { merged.append(b[j]); j += 1 }
        }
        merged += a[i...]
        merged += b[j...]
        return merged
    }

    private static func binarySearch(_ sorted: [Int64], _ seq: Int64) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < seq { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == seq
    }
}
