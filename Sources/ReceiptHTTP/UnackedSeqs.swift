import ReceiptCore

/// The seqs in (deliveredSeq, maxSeq] that are not acked: as closed ranges (compact,
/// however long the tail) and as an explicit list capped at `listLimit`.
///
/// Invariants: ranges are ascending, within (deliveredSeq, maxSeq], and separated by
/// at least one acked seq; `count` is the total they cover; `listed` is the first
/// `min(count, listLimit)` of them, ascending; `truncated` iff `listed.count < count`.
struct UnackedSeqs: Equatable {
    private(set) var ranges: [ClosedRange<Int64>] = []
    private(set) var count: Int64 = 0
    private(set) var listed: [Int64] = []
    var truncated: Bool { Int64(listed.count) < count }

    init(_ state: DeliveryState, listLimit: Int) {
        let gaps = UnmarkedSeqs.ranges(watermark: state.deliveredSeq, marks: state.ackedAbove, maxSeq: state.maxSeq)
        for gap in gaps { append(gap.lower...gap.upper, listLimit: listLimit) }
    }

    private mutating func append(_ range: ClosedRange<Int64>, listLimit: Int) {
        ranges.append(range)
        count += range.upperBound - range.lowerBound + 1
        let room = listLimit - listed.count
        if room > 0 { listed.append(contentsOf: range.prefix(room)) }
    }
}
