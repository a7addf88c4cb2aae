import ReceiptCore

/// Rows each table took in one flush: inserted, or updated because the flush raised
/// a value. Rows the database already had at or above the flushed value count 0.
public struct FlushStats: Sendable, Equatable {
    public var maxSeqs = 0
    public var reads = 0
    public var deliveries = 0
    /// Messages, not rows: a conversation's messages share one row per flush.
    public var clientMessages = 0
    public var checkpoints = 0

    public init() {}

    public var total: Int { maxSeqs + reads + deliveries + clientMessages + checkpoints }
}

/// Writes a `StateChanges` and the consumer checkpoints it covers to PostgreSQL.
///
/// Invariants: everything is written in ONE transaction, so the checkpoints are
/// stored if and only if the state they cover is; nothing stored ever moves backwards,
/// so a late, repeated or zombie flush is harmless. Statements are batched, at most
/// `chunkSize` rows each, and rows go in key order so that two concurrent flushes
/// lock shared rows in the same order.
public enum StateFlush {
    /// Rows per statement: bounds the size of one parameter and of one statement's work.
    public static let chunkSize = 20_000

    /// Writes `changes` and `checkpoints` in one transaction (which must not be open
    /// already). On a throw, nothing was written.
    @discardableResult
    public static func write(
        _ changes: StateChanges, checkpoints: [Checkpoint], on connection: PostgresConnection
    ) throws -> FlushStats {
        try connection.withTransaction { tx in
            var stats = FlushStats()
            stats.maxSeqs = try writeMaxSeqs(changes.maxSeqs, on: tx)
            stats.clientMessages = try writeClientMessages(changes.clientMessages, on: tx)
            stats.reads = try writeMarked(changes.reads, FlushStatements.reads, on: tx)
            stats.deliveries = try writeMarked(changes.deliveries, FlushStatements.deliveries, on: tx)
            stats.checkpoints = try writeCheckpoints(checkpoints, on: tx)
            return stats
        }
    }

    private static func writeMaxSeqs(_ maxSeqs: [IDKey: Int64], on connection: PostgresConnection) throws -> Int {
        let rows = maxSeqs.sorted { $0.key < $1.key }  // byte order: every flush locks rows in one order
        return try inChunks(rows, on: connection, FlushStatements.maxSeqs) { chunk in
            [PostgresArrayLiteral.text(chunk.map(\.key.id)), PostgresArrayLiteral.int64(chunk.map(\.value))]
        }
    }

    /// One row per conversation (`ClientMessageBatch`), in chunks of at most
    /// `chunkSize` messages; returns how many messages were new to the table.
    private static func writeClientMessages(_ messages: [ClientMessage: Int64], on connection: PostgresConnection) throws -> Int {
        let batches = ClientMessageBatch.grouping(messages)
        var written = 0
        var start = 0
        while start < batches.count {
            var end = start
            var size = 0
            while end < batches.count, end == start || size + batches[end].seqs.count <= chunkSize {
                size += batches[end].seqs.count
                end += 1
            }
            let chunk = batches[start..<end]
            let result = try connection.query(FlushStatements.clientMessages, [
                PostgresArrayLiteral.text(chunk.map(\.conversationID)),
                PostgresArrayLiteral.int64(chunk.map(\.seqsHash)),
                PostgresArrayLiteral.text(chunk.map { PostgresArrayLiteral.int64($0.seqs) }),
                PostgresArrayLiteral.text(chunk.map { PostgresArrayLiteral.text($0.clientMsgIDs) }),
            ])
            written += Int(try result.first?.int64("n") ?? 0)
            start = end
        }
        return written
    }

    private static func writeMarked(
        _ states: [ConversationUser: MarkedWatermark], _ sql: String, on connection: PostgresConnection
    ) throws -> Int {
        let rows = states.sorted { ConversationUser.precedes($0.key, $1.key) }
        return try inChunks(rows, on: connection, sql) { chunk in
            [
                PostgresArrayLiteral.text(chunk.map(\.key.conversationID)),
                PostgresArrayLiteral.text(chunk.map(\.key.userID)),
                PostgresArrayLiteral.int64(chunk.map(\.value.watermark)),
                PostgresArrayLiteral.text(chunk.map { PostgresArrayLiteral.int64($0.value.marks) }),
            ]
        }
    }

    /// Duplicates keep their highest offset: one statement may not update a row twice.
    private static func writeCheckpoints(_ checkpoints: [Checkpoint], on connection: PostgresConnection) throws -> Int {
        var highest: [Checkpoint: Int64] = [:]
        for checkpoint in checkpoints {
            var key = checkpoint
            key.nextOffset = 0
            highest[key] = max(highest[key] ?? .min, checkpoint.nextOffset)
        }
        let rows = highest.map { key, offset in
            Checkpoint(group: key.group, topic: key.topic, partition: key.partition, nextOffset: offset)
        }.sorted { ($0.group, $0.topic, $0.partition) < ($1.group, $1.topic, $1.partition) }
        return try inChunks(rows, on: connection, FlushStatements.checkpoints) { chunk in
            [
                PostgresArrayLiteral.text(chunk.map(\.group)),
                PostgresArrayLiteral.text(chunk.map(\.topic)),
                PostgresArrayLiteral.int64(chunk.map { Int64($0.partition) }),
                PostgresArrayLiteral.int64(chunk.map(\.nextOffset)),
            ]
        }
    }

    /// Runs `sql` once per chunk of at most `chunkSize` rows; returns the rows affected.
    private static func inChunks<Row>(
        _ rows: [Row], on connection: PostgresConnection, _ sql: String, parameters: (ArraySlice<Row>) -> [String?]
    ) throws -> Int {
        var affected = 0
        for start in stride(from: 0, to: rows.count, by: chunkSize) {
            let chunk = rows[start..<min(start + chunkSize, rows.count)]
            affected += try connection.query(sql, parameters(chunk)).affectedRows ?? 0
        }
        return affected
    }
}
