import Testing

@testable import ReceiptHTTP

@Suite struct UnackedSeqsTests {
    @Test func gapsBetweenAckedSeqsBecomeRanges() {
        let unacked = UnackedSeqs(DeliveryState(deliveredSeq: 3, ackedAbove: [9, 5, 6, 6], maxSeq: 10), listLimit: 1000)
        #expect(unacked.ranges == [4...4, 7...8, 10...10])
        #expect(unacked.listed == [4, 7, 8, 10])
        #expect(unacked.count == 4)
        #expect(!unacked.truncated)
    }

    @Test func nothingIsUnackedWhenTheWatermarkReachesMaxSeq() {
        #expect(UnackedSeqs(DeliveryState(deliveredSeq: 10, ackedAbove: [], maxSeq: 10), listLimit: 5).ranges.isEmpty)
        // A watermark ahead of a stale maxSeq is not an error either.
        #expect(UnackedSeqs(DeliveryState(deliveredSeq: 12, ackedAbove: [13], maxSeq: 10), listLimit: 5).count == 0)
    }

    @Test func ackedSeqsOutsideTheWindowAreIgnored() {
        let unacked = UnackedSeqs(DeliveryState(deliveredSeq: 2, ackedAbove: [1, 2, 6, 99], maxSeq: 5), listLimit: 10)
        #expect(unacked.ranges == [3...5])
    }

    @Test func aLongTailIsOneRangeAndACappedList() {
        let unacked = UnackedSeqs(DeliveryState(deliveredSeq: 0, ackedAbove: [2], maxSeq: 1_000_000), listLimit: 1000)
        #expect(unacked.ranges == [1...1, 3...1_000_000])
        #expect(unacked.count == 999_999)
        #expect(unacked.listed.count == 1000)
        #expect(unacked.listed.first == 1 && unacked.listed[1] == 3 && unacked.listed.last == 1001)
        #expect(unacked.truncated)
    }

    @Test func theUnackedRouteReturnsRangesAndTheCappedList() async throws {
        let reader = InMemoryState(delivery: DeliveryState(deliveredSeq: 1, ackedAbove: [3], maxSeq: 5000))
        try await withServer(configuration: HTTPConfiguration(maxListedUnacked: 3), reader: reader) { client async throws in
            let response = try await get(client, "/v1/users/u1/conversations/c1/unacked")
            #expect(response.status == .ok)
            #expect(int64s(response.json)["deliveredSeq"] == 1)
            #expect(int64s(response.json)["maxSeq"] == 5000)
            #expect(int64s(response.json)["unackedCount"] == 4998)
            #expect(int64Array(response.json["unacked"]) == [2, 4, 5])
            #expect(int64Ranges(response.json["unackedRanges"]) == [[2, 2], [4, 5000]])
            #expect(response.json["truncated"] as? Bool == true)
        }
    }
}
