import ReceiptCore

/// Rows each table took in one flush: inserted, or updated because the flush raised
/// a value. Rows the database already had at or above the flushed value count 0.
public struct FlushStats: Sendable, Equatable {
    public var maxSeqs = 0
    public var reads = 0
    public var deliveries = 0
    public var privateReads = 0
    /// Messages, not rows: a conversation's messages share one row per flush.
    public var clientMessages = 0
    public var checkpoints = 0

    public init() {}

    public var total: Int { maxSeqs + reads + deliveries + privateReads + clientMessages + checkpoints }
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
    /// About the most bytes of parameters one statement of a flush carries: mark-heavy
    /// rows (10,000 marks each) would otherwise make a 20,000-row chunk gigabytes
    /// long, past PostgreSQL's 1 GB limit for one value. 16 MiB.
    public static let maxChunkBytes = 16 << 20

    /// Writes `changes` and `checkpoints` in one transaction (which must not be open
    /// already). On a throw, nothing was written.
    @discardableResult
    public static func write(
        _ changes: StateChanges, checkpoints: [Checkpoint], slotPositions: SlotPositions? = nil,
        replayHorizons: [Checkpoint] = [], on connection: PostgresConnection
    ) throws -> FlushStats {
        try connection.withTransaction { tx in
            var stats = FlushStats()
            if let slotPositions { try writeSlotPositions(slotPositions, on: tx) }
            try writeReplayHorizons(replayHorizons, on: tx)
            stats.maxSeqs = try writeMaxSeqs(changes.maxSeqs, on: tx)
            stats.clientMessages = try writeClientMessages(changes.clientMessages, on: tx)
            stats.reads = try writeMarked(changes.reads, FlushStatements.reads, on: tx)
            stats.deliveries = try writeMarked(changes.deliveries, FlushStatements.deliveries, on: tx)
            stats.privateReads = try writePrivateReads(changes.privateReads, on: tx)
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
        // A row's share of the statement's parameters: its IDs, and about 20 bytes per
        // mark (up to 19 digits and a comma).
        let weight = { (row: (key: ConversationUser, value: MarkedWatermark)) in
            32 + row.key.conversationID.utf8.count + row.key.userID.utf8.count + 20 * row.value.marks.count
        }
        return try inChunks(rows, on: connection, sql, weight: weight) { chunk in
            [
                PostgresArrayLiteral.text(chunk.map(\.key.conversationID)),
                PostgresArrayLiteral.text(chunk.map(\.key.userID)),
                PostgresArrayLiteral.int64(chunk.map(\.value.watermark)),
                PostgresArrayLiteral.text(chunk.map { PostgresArrayLiteral.int64($0.value.marks) }),
            ]
        }
    }

    private static func writePrivateReads(_ seqs: [ConversationUser: Int64], on connection: PostgresConnection) throws -> Int {
        let rows = seqs.sorted { ConversationUser.precedes($0.key, $1.key) }
        return try inChunks(rows, on: connection, FlushStatements.privateReads) { chunk in
            [
                PostgresArrayLiteral.text(chunk.map(\.key.conversationID)),
                PostgresArrayLiteral.text(chunk.map(\.key.userID)),
                PostgresArrayLiteral.int64(chunk.map(\.value)),
            ]
        }
    }

    /// Each horizon is a `Checkpoint` without a mark (its group is not stored):
    /// topic, partition and the offset after the last record whose state this
    /// flush holds.
    private static func writeReplayHorizons(_ horizons: [Checkpoint], on connection: PostgresConnection) throws {
        let rows = horizons.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        _ = try inChunks(rows, on: connection, FlushStatements.replayHorizons) { chunk in
            [
                PostgresArrayLiteral.text(chunk.map(\.topic)),
                PostgresArrayLiteral.int64(chunk.map { Int64($0.partition) }),
                PostgresArrayLiteral.int64(chunk.map(\.nextOffset)),
            ]
        }
    }

    private static func writeSlotPositions(_ marks: SlotPositions, on connection: PostgresConnection) throws {
        let rows = marks.positions.sorted { $0.key < $1.key }
        _ = try inChunks(rows, on: connection, FlushStatements.slotPositions) { chunk in
            [marks.group, marks.writer, PostgresArrayLiteral.int64(chunk.map { Int64($0.key) }),
             PostgresArrayLiteral.int64(chunk.map(\.value))]
        }
    }

    /// Duplicates keep their highest offset (and its mark): one statement may not
    /// update a row twice.
    private static func writeCheckpoints(_ checkpoints: [Checkpoint], on connection: PostgresConnection) throws -> Int {
        var highest: [Checkpoint: Checkpoint] = [:]
        for checkpoint in checkpoints {
            var key = checkpoint
            key.nextOffset = 0
            key.mark = nil
            if checkpoint.nextOffset > highest[key]?.nextOffset ?? .min { highest[key] = checkpoint }
        }
        let rows = highest.values.sorted { ($0.group, $0.topic, $0.partition) < ($1.group, $1.topic, $1.partition) }
        return try inChunks(rows, on: connection, FlushStatements.checkpoints) { chunk in
            [
                PostgresArrayLiteral.text(chunk.map(\.group)),
                PostgresArrayLiteral.text(chunk.map(\.topic)),
                PostgresArrayLiteral.int64(chunk.map { Int64($0.partition) }),
                PostgresArrayLiteral.int64(chunk.map(\.nextOffset)),
                PostgresArrayLiteral.text(chunk.map(\.mark?.writer)),
                PostgresArrayLiteral.int64(orNull: chunk.map(\.mark?.position)),
            ]
        }
    }

    /// Runs `sql` over `rows` in chunks of at most `chunkSize` rows and, by
    /// `weight`, about `maxChunkBytes` of parameters (a chunk holds one row at least);
    /// returns the rows affected.
    private static func inChunks<Row>(
        _ rows: [Row], on connection: PostgresConnection, _ sql: String, weight: (Row) -> Int = { _ in 0 },
        parameters: (ArraySlice<Row>) -> [String?]
    ) throws -> Int {
        var affected = 0
        for range in chunks(count: rows.count, weight: { weight(rows[$0]) }) {
            affected += try connection.query(sql, parameters(rows[range])).affectedRows ?? 0
        }
        return affected
    }

    /// Consecutive ranges covering `0..<count`, each of at most `chunkSize` rows and,
    /// by `weight` of a row, at most `maxChunkBytes` unless it holds a single row.
    public static func chunks(count: Int, weight: (Int) -> Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < count {
            var end = start
            var bytes = 0
            while end < count, end - start < chunkSize {
                let next = weight(end)
                if end > start, bytes + next > maxChunkBytes { break }
                bytes += next
                end += 1
            }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}
