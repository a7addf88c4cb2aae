import ReceiptCore
import ReceiptPostgres
import Testing

@Suite struct StateFlushChunkingTests {
    /// Also the timing of a large flush: 100k reads, 50k maxSeqs, 50k client messages.
    @Test func flushLargerThanOneChunkWritesEveryRow() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            var changes = StateChanges()
            for index in 0..<100_000 {
                let conversation = "conversation-\(index / 2)"
                changes.reads[ConversationUser(conversation, "user-\(index % 2)")] =
                    MarkedWatermark(watermark: Int64(index), marks: index % 10 == 0 ? [Int64(index) + 2, Int64(index) + 5] : [])
                if index % 2 == 0 {
                    changes.maxSeqs[IDKey(conversation)] = Int64(index + 1)
                    changes.clientMessages[ClientMessage(conversation, storedID: "client-\(index)")] = Int64(index + 1)
                }
            }
            let clock = ContinuousClock()
            var stats = FlushStats()
            let elapsed = try clock.measure { stats = try StateFlush.write(changes, checkpoints: [], on: connection) }
            print("flush of 100k reads + 50k maxSeqs + 50k client messages: \(elapsed)")
            #expect(stats.reads == 100_000 && stats.maxSeqs == 50_000 && stats.clientMessages == 50_000)

            let again = try clock.measure { stats = try StateFlush.write(changes, checkpoints: [], on: connection) }
            print("repeated flush of the same changes (no row changes): \(again)")
            #expect(stats == FlushStats())

            let records = try StateSeed.load(
                conversations: ["conversation-0", "conversation-49999"], clientMessagesNewerThanSeconds: 60, on: connection)
            #expect(records["conversation-0"]?.reads["user-0"] == MarkedWatermark(watermark: 0, marks: [2, 5]))
            #expect(records["conversation-49999"]?.reads["user-1"] == MarkedWatermark(watermark: 99_999))
            #expect(records["conversation-49999"]?.maxSeq == 99_999)
            #expect(try connection.query("SELECT count(*) AS n FROM read_state")[0].int64("n") == 100_000)
        }
    }

    @Test("flush statements are cut by bytes too: 20,000 rows of 10,000 marks each never make one parameter of gigabytes")
    func chunksAreBoundedInBytes() {
        let markHeavy = 200_000  // a row's weight with 10,000 marks
        let ranges = StateFlush.chunks(count: 20_000, weight: { _ in markHeavy })
        #expect(ranges.first == 0..<(StateFlush.maxChunkBytes / markHeavy))
        #expect(ranges.allSatisfy { $0.count * markHeavy <= StateFlush.maxChunkBytes })
        #expect(ranges.map(\.count).reduce(0, +) == 20_000 && zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(StateFlush.chunks(count: 50_000, weight: { _ in 40 }).map(\.count) == [20_000, 20_000, 10_000],
                "light rows are cut by count")
        #expect(StateFlush.chunks(count: 2, weight: { _ in StateFlush.maxChunkBytes * 2 }).map(\.count) == [1, 1],
                "a row heavier than the bound goes alone")
    }
}
