import Foundation
import Logging
import ReceiptCore
@testable import ReceiptPipeline
import ReceiptPostgres
import Testing
import TestSupport

/// The flusher deletes client messages past their TTL after a flush, against a real
/// PostgreSQL, in a schema of its own.
@Suite("The flusher prunes old client messages")
struct FlusherPruningTests {
    @Test("after a flush, client messages past their TTL are deleted, chunk by chunk, and newer ones kept")
    func flushPrunesClientMessagesPastTheirTTL() throws {
        let base = try TestStack.postgresURL()
        let schema = "t_prune_\(UInt32.random(in: 0...UInt32.max))"
        try PostgresConnection.connect(url: base).execute("CREATE SCHEMA \(schema)")
        defer { _ = try? PostgresConnection.connect(url: base).execute("DROP SCHEMA \(schema) CASCADE") }
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        let connection = try PostgresConnection.connect(url: url)
        try Migrations.apply(on: connection)
        var old = StateChanges()
        for index in 0..<(ClientMessagePruning.chunkSize + 10) {  // more than one chunk of rows
            old.recordClientMessage(ClientMessage("old-\(index)", storedID: "m"), seq: 1)
        }
        try StateFlush.write(old, checkpoints: [], on: connection)
        try connection.query("UPDATE client_message_batch SET created_at = now() - interval '2 days'")

        let flusher = CheckpointFlusher(
            configuration: .init(postgresURL: url, group: "g", clientMessageTTLSeconds: 86_400, pruneBudgetMs: 30_000),
            logger: Logger(label: "test"))
        flusher.start()
        defer { flusher.stop() }
        var fresh = StateChanges()
        fresh.recordClientMessage(ClientMessage("new", storedID: "m"), seq: 1)
        #expect(flusher.submit(FlushJob(id: 1, changes: fresh, checkpoints: [:])))
        #expect(flusher.waitUntilIdle(deadline: .now + .seconds(30)))

        // Pruning runs right after the flush is reported.
        let deadline = ContinuousClock.now + .seconds(30)
        var left: [String?] = []
        repeat {
            left = try connection.query("SELECT conversation_id FROM client_message_batch ORDER BY 1")
                .map { try $0.string("conversation_id") }
            if left == ["new"] { break }
            Thread.sleep(forTimeInterval: 0.05)
        } while ContinuousClock.now < deadline
        #expect(left == ["new"])
    }
}
