extension Migrations {
    /// Version 6: private reads (`"private": true`). A user's private read watermark
    /// per conversation, apart from `read_state`, which stays the public read state
    /// that read counts and reader lists come from. Never lowered.
    static let schemaV6 = """
        CREATE TABLE private_read_state (
            conversation_id text NOT NULL,
            user_id text NOT NULL,
            has_read_seq bigint NOT NULL CHECK (has_read_seq >= 0),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (conversation_id, user_id)
        );
        """
}
