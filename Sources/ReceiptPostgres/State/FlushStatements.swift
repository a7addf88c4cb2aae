/// The batched upserts of a flush. Each takes whole columns as array parameters
/// (`unnest`), so one statement writes up to `StateFlush.chunkSize` rows.
///
/// Invariant: no statement ever lowers a stored value. Numbers merge with `GREATEST`;
/// marks merge as the union of old and new, keeping only seqs above the merged
/// watermark. The `WHERE` of each `DO UPDATE` skips rows the flush would not change,
/// so a repeated flush writes no new row versions. Marks that become contiguous with
/// the merged watermark are not folded into it here: the stored state means the same,
/// and `MarkedWatermark` folds them when it is loaded. Marks arrive as a text[] of
/// bigint[] literals (`{"{7,9}","{}"}`), one per row, since SQL arrays must be
/// rectangular.
enum FlushStatements {
    static let maxSeqs = """
        INSERT INTO conversation_seq AS t (conversation_id, max_seq)
        SELECT * FROM unnest($1::text[], $2::bigint[])
        ON CONFLICT (conversation_id) DO UPDATE
        SET max_seq = GREATEST(t.max_seq, EXCLUDED.max_seq), updated_at = now()
        WHERE EXCLUDED.max_seq > t.max_seq
        """

    /// One row per conversation: its seqs and clientMsgIDs as array literals (like
    /// marks). Returns, in `n`, how many messages the inserted rows hold.
    static let clientMessages = """
        WITH inserted AS (
            INSERT INTO client_message_batch (conversation_id, seqs_hash, seqs, client_msg_ids)
            SELECT c, h, s::bigint[], m::text[] FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS r(c, h, s, m)
            ON CONFLICT (conversation_id, seqs_hash) DO NOTHING
            RETURNING cardinality(seqs) AS n)
        SELECT coalesce(sum(n), 0)::bigint AS n FROM inserted
        """

    static let reads = marked(table: "read_state", watermark: "has_read_seq", marks: "read_seqs")

    static let privateReads = """
        INSERT INTO private_read_state AS t (conversation_id, user_id, has_read_seq)
        SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
        ON CONFLICT (conversation_id, user_id) DO UPDATE
        SET has_read_seq = GREATEST(t.has_read_seq, EXCLUDED.has_read_seq), updated_at = now()
        WHERE EXCLUDED.has_read_seq > t.has_read_seq
        """

    static let deliveries = marked(table: "delivery_state", watermark: "delivered_seq", marks: "delivered_seqs")

    static let checkpoints = """
        INSERT INTO consumer_checkpoint AS t (group_id, topic, partition, next_offset, redis_writer, redis_position)
        SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::bigint[])
        ON CONFLICT (group_id, topic, partition) DO UPDATE
        SET next_offset = GREATEST(t.next_offset, EXCLUDED.next_offset), updated_at = now(),
            redis_writer = EXCLUDED.redis_writer, redis_position = EXCLUDED.redis_position
        WHERE EXCLUDED.next_offset > t.next_offset
        """

    /// Replay horizons per partition, never lowered.
    static let replayHorizons = """
        INSERT INTO replay_horizon AS t (topic, partition, next_offset)
        SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[])
        ON CONFLICT (topic, partition) DO UPDATE
        SET next_offset = GREATEST(t.next_offset, EXCLUDED.next_offset)
        WHERE EXCLUDED.next_offset > t.next_offset
        """

    /// A writer's positions per slot of a Redis Cluster, never lowered.
    static let slotPositions = """
        INSERT INTO redis_slot_position AS t (group_id, redis_writer, slot, position)
        SELECT $1, $2, s, p FROM unnest($3::int[], $4::bigint[]) AS u(s, p)
        ON CONFLICT (group_id, redis_writer, slot) DO UPDATE
        SET position = GREATEST(t.position, EXCLUDED.position)
        WHERE EXCLUDED.position > t.position
        """

    /// The upsert of a (conversation, user) watermark with its marks. Table and column
    /// names are constants of this file, never input.
    private static func marked(table: String, watermark: String, marks: String) -> String {
        """
        INSERT INTO \(table) AS t (conversation_id, user_id, \(watermark), \(marks))
        SELECT c, u, w, m::bigint[] FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS r(c, u, w, m)
        ON CONFLICT (conversation_id, user_id) DO UPDATE
        SET \(watermark) = GREATEST(t.\(watermark), EXCLUDED.\(watermark)),
            \(marks) = ARRAY(
                SELECT DISTINCT s FROM unnest(t.\(marks) || EXCLUDED.\(marks)) AS s
                WHERE s > GREATEST(t.\(watermark), EXCLUDED.\(watermark))
                ORDER BY s),
            updated_at = now()
        WHERE EXCLUDED.\(watermark) > t.\(watermark)
           OR EXISTS (SELECT FROM unnest(EXCLUDED.\(marks)) AS s WHERE s > t.\(watermark) AND s <> ALL (t.\(marks)))
        """
    }
}
