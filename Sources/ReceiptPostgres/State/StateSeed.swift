import ReceiptCore

/// Loads stored state back, to re-seed Redis after it lost its data.
public enum StateSeed {
    static let maxSeqs = """
        SELECT conversation_id, max_seq FROM conversation_seq
        WHERE conversation_id = ANY($1::text[])
        """

    static let reads = """
        SELECT conversation_id, user_id, has_read_seq AS watermark, read_seqs AS marks FROM read_state
        WHERE conversation_id = ANY($1::text[])
        """

    static let deliveries = """
        SELECT conversation_id, user_id, delivered_seq AS watermark, delivered_seqs AS marks FROM delivery_state
        WHERE conversation_id = ANY($1::text[])
        """

    static let privateReads = """
        SELECT conversation_id, user_id, has_read_seq FROM private_read_state
        WHERE conversation_id = ANY($1::text[])
        """

    /// A message stored twice (a replay flushed in other groupings, or a retry after
    /// its seq left the de-duplication window) keeps its first seq. Messages as
    /// stored (`ClientMessage.storedID`: sender, U+001F, clientMsgID).
    static let clientMessages = """
        SELECT b.conversation_id, m.stored_id, min(m.seq) AS seq
        FROM client_message_batch AS b, unnest(b.client_msg_ids, b.seqs) AS m(stored_id, seq)
        WHERE b.conversation_id = ANY($1::text[]) AND b.created_at > now() - $2::bigint * interval '1 second'
        GROUP BY b.conversation_id, m.stored_id
        """

    /// conversationID → its stored state, one query per table. A conversation is
    /// present when any table has a row for it, and ABSENT when none has; tables
    /// without a row for a present conversation leave their field zero or empty.
    /// Client messages are limited to those created in the last
    /// `clientMessagesNewerThanSeconds` seconds (older ones are pruned anyway).
    public static func load(
        conversations: [String], clientMessagesNewerThanSeconds: Int, on connection: PostgresConnection
    ) throws -> [IDKey: ConversationRecord] {
        let ids = PostgresArrayLiteral.text(conversations)
        var records: [IDKey: ConversationRecord] = [:]
        for row in try connection.query(maxSeqs, [ids]) {
            records[IDKey(try row.requiredString("conversation_id")), default: ConversationRecord()]
                .maxSeq = try row.requiredInt64("max_seq")
        }
        for row in try connection.query(reads, [ids]) {
            records[IDKey(try row.requiredString("conversation_id")), default: ConversationRecord()]
                .reads[IDKey(try row.requiredString("user_id"))] = try marked(row)
        }
        for row in try connection.query(deliveries, [ids]) {
            records[IDKey(try row.requiredString("conversation_id")), default: ConversationRecord()]
                .deliveries[IDKey(try row.requiredString("user_id"))] = try marked(row)
        }
        for row in try connection.query(privateReads, [ids]) {
            records[IDKey(try row.requiredString("conversation_id")), default: ConversationRecord()]
                .privateReads[IDKey(try row.requiredString("user_id"))] = try row.requiredInt64("has_read_seq")
        }
        for row in try connection.query(clientMessages, [ids, String(clientMessagesNewerThanSeconds)]) {
            records[IDKey(try row.requiredString("conversation_id")), default: ConversationRecord()]
                .clientMessages[IDKey(try row.requiredString("stored_id"))] = try row.requiredInt64("seq")
        }
        return records
    }

    private static func marked(_ row: PostgresRow) throws -> MarkedWatermark {
        MarkedWatermark(watermark: try row.requiredInt64("watermark"), marks: try row.int64Array("marks") ?? [])
    }
}
