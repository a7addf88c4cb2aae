extension Migrations {
    /// Version 2: client messages are stored one row per conversation and flush
    /// (`client_message_batch`) instead of one row per message. A flush writes a
    /// tenth of the rows and index entries at the default mix (one row per
    /// conversation instead of one per new message): version 1's `client_message`
    /// inserts were most of PostgreSQL's CPU at full speed.
    ///
    /// `seqs` are ascending and `client_msg_ids` are in the same order. `seqs_hash` is
    /// a 64-bit FNV-1a of the seqs (computed by `StateFlush`): a repeated flush of the
    /// same messages inserts nothing. Two rows may still name one clientMsgID (a
    /// replay flushed in other groupings); its first seq is the one that counts.
    ///
    /// The view `client_message` keeps version 1's shape, one row per message, for
    /// reading: the seed and operators query it.
    static let schemaV2 = """
        CREATE TABLE client_message_batch (
            conversation_id text NOT NULL,
            seqs_hash bigint NOT NULL,
            seqs bigint[] NOT NULL,
            client_msg_ids text[] NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (conversation_id, seqs_hash),
            CHECK (cardinality(seqs) = cardinality(client_msg_ids) AND cardinality(seqs) > 0)
        );
        CREATE INDEX client_message_batch_created_at ON client_message_batch (created_at);

        -- Version 1's rows of the last 7 days (version 1 never pruned; older rows are
        -- past any TTL but a deliberately long one), one batch per conversation and
        -- second of creation. Their hash is made up (negative: never one StateFlush
        -- computes) and unique per row.
        INSERT INTO client_message_batch (conversation_id, seqs_hash, seqs, client_msg_ids, created_at)
        SELECT conversation_id, -row_number() OVER (), array_agg(seq ORDER BY seq),
               array_agg(client_msg_id ORDER BY seq), max(created_at)
        FROM client_message
        WHERE created_at > now() - interval '7 days'
        GROUP BY conversation_id, date_trunc('second', created_at);

        DROP TABLE client_message;

        CREATE VIEW client_message AS
        SELECT b.conversation_id, m.client_msg_id, m.seq, b.created_at
        FROM client_message_batch AS b, unnest(b.client_msg_ids, b.seqs) AS m(client_msg_id, seq);
        """
}
