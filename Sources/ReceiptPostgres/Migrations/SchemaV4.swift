extension Migrations {
    /// Version 4: a checkpoint records which worker process flushed it and that
    /// process's Redis write position then (`CheckpointMark`), so the next owner of
    /// the partition can tell a Redis older than the state PostgreSQL holds. Rows
    /// written before have neither (NULL: nothing to check).
    static let schemaV4 = """
        ALTER TABLE consumer_checkpoint
            ADD COLUMN redis_writer text,
            ADD COLUMN redis_position bigint CHECK (redis_position >= 0);
        """
}
