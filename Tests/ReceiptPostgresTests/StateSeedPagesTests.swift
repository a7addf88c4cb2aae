import ReceiptCore
import ReceiptPostgres
import Testing

/// Re-seed pages: bounded in rows and in marks or messages, and together exactly
/// the stored state.
@Suite("Re-seed pages")
struct StateSeedPagesTests {
    @Test("pages hold at most `rows` rows and about `weight` marks each, and together are the whole stored state")
    func pagesAreBoundedAndComplete() throws {
        try withTestSchema { schema in
            let connection = try schema.migrated()
            var stored = StateChanges()
            for c in 0..<3 {
                let cid = "c\(c)"
                stored.recordMaxSeq(cid, 5_000)
                for u in 0..<25 {
                    let marks: [Int64] = u % 10 == 0 ? (0..<1_000).map { 3_000 + 2 * Int64($0) } : []
                    stored.recordRead(ConversationUser(cid, "u\(u)"), MarkedWatermark(watermark: Int64(u + 1), marks: marks))
                }
                stored.recordDelivery(ConversationUser(cid, "r"), MarkedWatermark(watermark: 2, marks: [4, 6]))
                for m in 0..<30 { stored.recordClientMessage(ClientMessage(cid, sender: "s", "m\(m)"), seq: Int64(m + 1)) }
            }
            _ = try StateFlush.write(stored, checkpoints: [], on: connection)
            var more = StateChanges()  // a second flush: another client_message_batch row
            more.recordClientMessage(ClientMessage("c1", sender: "s", "late"), seq: 31)
            _ = try StateFlush.write(more, checkpoints: [], on: connection)
            stored.merge(more)

            var cursor = StateSeed.Cursor()
            var seeded = StateChanges()
            var pages = 0
            while !cursor.isDone {
                let page = try StateSeed.nextPage(&cursor, rows: 10, weight: 1_500,
                                                  clientMessagesNewerThanSeconds: 3_600, on: connection)
                guard !page.isEmpty else { break }
                pages += 1
                #expect(page.maxSeqs.count <= 10 && page.reads.count <= 10 && page.deliveries.count <= 10)
                let weight = page.reads.values.reduce(0) { $0 + 1 + $1.marks.count }
                #expect(weight <= 1_500 || page.reads.count == 1, "page of \(page.reads.count) reads weighs \(weight)")
                seeded.merge(page)
            }
            #expect(cursor.isDone)
            #expect(pages > 10, "75 reads with 9 heavy ones need many pages: \(pages)")
            #expect(seeded == stored)
        }
    }
}
