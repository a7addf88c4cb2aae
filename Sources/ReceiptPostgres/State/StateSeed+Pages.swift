import ReceiptCore

extension StateSeed {
    /// Where a re-seed has got to: the table it reads and the key of the last row it
    /// read there. Tables go in order (maxSeqs, reads, deliveries, private reads,
    /// client messages),
    /// each in key order.
    public struct Cursor: Sendable, Equatable {
        enum Table: Int, Sendable { case maxSeqs, reads, deliveries, privateReads, clientMessages, done }
        var table = Table.maxSeqs
        var after: [String] = []

        public init() {}

        public var isDone: Bool { table == .done }
    }

    /// The next page of the stored state, as changes to seed into Redis, and moves
    /// `cursor` past it; empty changes once `cursor.isDone`. A page holds at most
    /// `rows` rows of one table and, for watermarks with marks and for client
    /// messages, about `weight` marks or messages in all (one row at least): a
    /// conversation of a million members, or members with 10,000 marks each, comes
    /// in many pages instead of one that outgrows the worker's memory. Seeding never
    /// lowers a value, so a conversation seeded over several pages ends up whole.
    public static func nextPage(
        _ cursor: inout Cursor, rows: Int, weight: Int, clientMessagesNewerThanSeconds: Int,
        on connection: PostgresConnection
    ) throws -> StateChanges {
        var changes = StateChanges()
        while changes.isEmpty, !cursor.isDone {
            let limits = [String(rows), String(weight)]
            switch cursor.table {
            case .maxSeqs:
                let page = try connection.query(maxSeqPage, [cursor.after.first ?? "", String(rows)])
                for row in page { changes.recordMaxSeq(try row.requiredString("conversation_id"), try row.requiredInt64("max_seq")) }
                try advance(&cursor, page.last.map { [try $0.requiredString("conversation_id")] })
            case .reads, .deliveries, .privateReads:
                let table = cursor.table
                let sql = switch table {
                case .reads: readPage
                case .deliveries: deliveryPage
                default: privateReadPage
                }
                let page = try connection.query(sql,
                                                [cursor.after.first ?? "", cursor.after.last ?? ""] + limits)
                for row in page {
                    let key = ConversationUser(try row.requiredString("conversation_id"), try row.requiredString("user_id"))
                    let state = MarkedWatermark(watermark: try row.requiredInt64("watermark"),
                                                marks: try row.int64Array("marks") ?? [])
                    switch table {
                    case .reads: changes.recordRead(key, state)
                    case .deliveries: changes.recordDelivery(key, state)
                    default: changes.recordPrivateRead(key, state.watermark)
                    }
                }
                try advance(&cursor, page.last.map { [try $0.requiredString("conversation_id"), try $0.requiredString("user_id")] })
            case .clientMessages:
                let page = try connection.query(
                    clientMessagePage,
                    [cursor.after.first ?? "", cursor.after.last ?? String(Int64.min)] + limits
                        + [String(clientMessagesNewerThanSeconds)])
                for row in page {
                    // A message stored twice keeps its first (lowest) seq, here and in
                    // Redis, where the seed adds client messages with `ZADD LT`.
                    let message = ClientMessage(try row.requiredString("conversation_id"),
                                                storedID: try row.requiredString("stored_id"))
                    let seq = try row.requiredInt64("seq")
                    if let known = changes.clientMessages[message], known <= seq { continue }
                    changes.clientMessages[message] = seq
                }
                try advance(&cursor, page.last.map {
                    [try $0.requiredString("conversation_id"), String(try $0.requiredInt64("seqs_hash"))]
                })
            case .done:
                break
            }
        }
        return changes
    }

    /// After a page: the next page of the same table starts after `last`; a table
    /// with nothing left hands over to the next one.
    private static func advance(_ cursor: inout Cursor, _ last: [String]?) throws {
        if let last {
            cursor.after = last
        } else {
            cursor.table = Cursor.Table(rawValue: cursor.table.rawValue + 1) ?? .done
            cursor.after = []
        }
    }

    /// Keyset pages: at most $2 conversations after $1.
    static let maxSeqPage = """
        SELECT conversation_id, max_seq FROM conversation_seq
        WHERE conversation_id > $1
        ORDER BY conversation_id
        LIMIT $2::int
        """

    static let readPage = markedPage(table: "read_state", watermark: "has_read_seq", marks: "read_seqs")

    static let deliveryPage = markedPage(table: "delivery_state", watermark: "delivered_seq", marks: "delivered_seqs")

    /// Private read watermarks have no marks.
    static let privateReadPage = markedPage(table: "private_read_state", watermark: "has_read_seq",
                                            marks: "NULL::bigint[]")

    /// Rows after ($1, $2), at most $3 of them, and only as many as keep the running
    /// count of rows plus marks within $4.
    private static func markedPage(table: String, watermark: String, marks: String) -> String {
        """
        SELECT conversation_id, user_id, watermark, marks FROM (
            SELECT *, sum(1 + coalesce(cardinality(marks), 0)) OVER (ORDER BY conversation_id, user_id) AS running,
                   row_number() OVER (ORDER BY conversation_id, user_id) AS n
            FROM (
                SELECT conversation_id, user_id, \(watermark) AS watermark, \(marks) AS marks FROM \(table)
                WHERE (conversation_id, user_id) > ($1, $2)
                ORDER BY conversation_id, user_id
                LIMIT $3::int
            ) AS page
        ) AS weighed
        WHERE running <= $4::bigint OR n = 1
        ORDER BY conversation_id, user_id
        """
    }

    /// Client messages, one row each, of the `client_message_batch` rows (one per
    /// conversation and flush) created in the last $5 seconds after ($1, $2): at most
    /// $3 batch rows and about $4 messages.
    static let clientMessagePage = """
        SELECT w.conversation_id, w.seqs_hash, m.stored_id, m.seq FROM (
            SELECT *, sum(cardinality(seqs)) OVER (ORDER BY conversation_id, seqs_hash) AS running,
                   row_number() OVER (ORDER BY conversation_id, seqs_hash) AS n
            FROM (
                SELECT conversation_id, seqs_hash, seqs, client_msg_ids FROM client_message_batch
                WHERE (conversation_id, seqs_hash) > ($1, $2::bigint)
                  AND created_at > now() - $5::bigint * interval '1 second'
                ORDER BY conversation_id, seqs_hash
                LIMIT $3::int
            ) AS page
        ) AS w, unnest(w.client_msg_ids, w.seqs) AS m(stored_id, seq)
        WHERE w.running <= $4::bigint OR w.n = 1
        ORDER BY w.conversation_id, w.seqs_hash
        """
}
