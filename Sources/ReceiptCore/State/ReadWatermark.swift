/// The read state of one user in one conversation under the conversation-level
/// (watermark) model: every seq up to `hasReadSeq` is read.
///
/// Invariant: a watermark never decreases. `advance(to:)` is a monotonic max, the
/// same rule `ZADD GT` keeps in Redis and `GREATEST` keeps in PostgreSQL, so applying
/// an event twice, or two events out of order, ends in the same state.
public struct ReadWatermark: Sendable, Equatable {
    public private(set) var hasReadSeq: Int64

    public init(_ hasReadSeq: Int64 = 0) {
        self.hasReadSeq = max(0, hasReadSeq)
    }

    /// Moves the watermark to `target` unless it is already there or beyond, and
    /// returns the seqs this made read: the whole range (old, target], never only its
    /// last element (the bug in OpenIM's refactored `MarkConversationAsRead`).
    public mutating func advance(to target: Int64) -> SeqRange {
        guard target > hasReadSeq else { return SeqRange.empty }
        let made = SeqRange(from: hasReadSeq + 1, through: target)
        hasReadSeq = target
        return made
    }
}

/// A closed range of seqs `lower...upper`, possibly empty. Kept as bounds so that a
/// user catching up on a million messages costs two integers, not a million.
public struct SeqRange: Sendable, Equatable {
    public let lower: Int64
    public let upper: Int64

    public static let empty = SeqRange(lower: 1, upper: 0)

    public init(from lower: Int64, through upper: Int64) {
        self.lower = lower
        self.upper = upper
    }

    private init(lower: Int64, upper: Int64) {
        self.lower = lower
        self.upper = upper
    }

    public var isEmpty: Bool { upper < lower }
    public var count: Int64 { isEmpty ? 0 : upper - lower + 1 }

    /// The newest `limit` seqs of the range, ascending: what a notification lists
    /// when the range is too long to list whole (the watermark still covers all).
    public func newest(_ limit: Int) -> [Int64] {
        guard !isEmpty, limit > 0 else { return [] }
        let start = max(lower, upper - Int64(limit) + 1)
        return Array(start...upper)
    }
}
