extension Migrations {
    /// Version 1, the initial schema.
    ///
    /// Every value is monotonic (seqs, watermarks, offsets only grow); the flush
    /// statements keep that with `GREATEST` and unions, so the tables only need keys.
    /// Marks arrays hold seqs read (or acked) individually above the watermark, ascending.
    static let schemaV1 = """
        CREATE TABLE conversation_seq (
            conversation_id text PRIMARY KEY,
            max_seq bigint NOT NULL CHECK (max_seq >= 0),
            updated_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE read_state (
            conversation_id text NOT NULL,
            user_id text NOT NULL,
            has_read_seq bigint NOT NULL CHECK (has_read_seq >= 0),
            read_seqs bigint[] NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (conversation_id, user_id)
        );

        CREATE TABLE delivery_state (
            conversation_id text NOT NULL,
            user_id text NOT NULL,
            delivered_seq bigint NOT NULL CHECK (delivered_seq >= 0),
            delivered_seqs bigint[] NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (conversation_id, user_id)
        );

        CREATE TABLE client_message (
            conversation_id text NOT NULL,
            client_msg_id text NOT NULL,
            seq bigint NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (conversation_id, client_msg_id)
        );
        CREATE INDEX client_message_created_at ON client_message (created_at);

        CREATE TABLE consumer_checkpoint (
            group_id text NOT NULL,
            topic text NOT NULL,
            partition int NOT NULL CHECK (partition >= 0),
            next_offset bigint NOT NULL CHECK (next_offset >= 0),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (group_id, topic, partition)
        );
        """
}
