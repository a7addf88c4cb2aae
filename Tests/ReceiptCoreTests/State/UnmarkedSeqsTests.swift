import ReceiptCore
import Testing

@Suite("Unacked and unread seqs computed from stored state")
struct UnmarkedSeqsTests {
    @Test("unacked: the gaps between marks, then everything above the highest mark up to maxSeq")
    func unackedRangesListGapsAndTheTail() {
        #expect(UnmarkedSeqs.ranges(watermark: 3, marks: [5, 6], maxSeq: 9)
            == [SeqRange(from: 4, through: 4), SeqRange(from: 7, through: 9)])
        #expect(UnmarkedSeqs.ranges(watermark: 3, marks: [9, 5, 6, 5], maxSeq: 9)
            == [SeqRange(from: 4, through: 4), SeqRange(from: 7, through: 8)])
    }

    @Test("nothing is unacked when the watermark is at maxSeq; marks out of range are ignored")
    func nothingUnackedAtMaxSeq() {
        #expect(UnmarkedSeqs.ranges(watermark: 6, marks: [], maxSeq: 6).isEmpty)
        #expect(UnmarkedSeqs.ranges(watermark: 6, marks: [2, 8], maxSeq: 6).isEmpty)
        #expect(UnmarkedSeqs.ranges(watermark: 0, marks: [], maxSeq: 2) == [SeqRange(from: 1, through: 2)])
    }

    @Test("the listing of unacked seqs is bounded and oldest first")
    func unackedSeqsAreBounded() {
        #expect(UnmarkedSeqs.seqs(watermark: 3, marks: [5, 6], maxSeq: 1_000_000, limit: 4) == [4, 7, 8, 9])
        #expect(UnmarkedSeqs.unacked(MarkedWatermark(watermark: 3, marks: [5, 6]), maxSeq: 6)
            == [SeqRange(from: 4, through: 4)])
    }

    @Test("unread = maxSeq − watermark − |marks ≤ maxSeq|, in both read models")
    func unreadCountFollowsTheFormula() {
        #expect(UnmarkedSeqs.unreadCount(MarkedWatermark(watermark: 4), maxSeq: 10) == 6)
        #expect(UnmarkedSeqs.unreadCount(MarkedWatermark(watermark: 4, marks: [6, 8]), maxSeq: 10) == 4)
        #expect(UnmarkedSeqs.count(watermark: 4, marks: [6, 8, 12], maxSeq: 10) == 4)
        #expect(UnmarkedSeqs.count(watermark: 12, marks: [], maxSeq: 10) == 0)
    }
}

@Suite("MarkedWatermark: covering, capping, newly covered seqs")
struct MarkedWatermarkTests {
    @Test("newly covered lists what the later state covers and the earlier did not, newest first within the limit")
    func newlyCoveredIsTheDifference() {
        let earlier = MarkedWatermark(watermark: 2, marks: [4, 9])
        var later = earlier
        later.advance(to: 6)
        later.mark([8, 9, 11])
        #expect(later.newlyCovered(since: earlier, newest: 10) == [3, 5, 6, 8, 11])
        #expect(later.newlyCovered(since: earlier, newest: 2) == [8, 11])
        #expect(earlier.newlyCovered(since: earlier, newest: 10) == [])
    }

    @Test("a jump of a billion seqs lists only the newest, cheaply")
    func hugeJumpIsListedBounded() {
        var later = MarkedWatermark()
        later.advance(to: 1_000_000_000)
        #expect(later.newlyCovered(since: MarkedWatermark(), newest: 2) == [999_999_999, 1_000_000_000])
    }

    @Test("advancing past marks drops them and folds the ones now contiguous")
    func advanceDropsCoveredMarksAndFolds() {
        var state = MarkedWatermark(watermark: 1, marks: [3, 5, 6, 9])
        state.advance(to: 4)
        #expect(state == MarkedWatermark(watermark: 6, marks: [9]))
        #expect(state.covers(2) && state.covers(9) && !state.covers(7))
        #expect(state.highestCovered == 9)
    }

    @Test("keeping the lowest marks forgets the highest")
    func capKeepsTheLowestMarks() {
        var state = MarkedWatermark(watermark: 0, marks: [2, 4, 6])
        state.keepLowestMarks(2)
        #expect(state.marks == [2, 4])
    }
}
