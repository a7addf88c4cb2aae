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
