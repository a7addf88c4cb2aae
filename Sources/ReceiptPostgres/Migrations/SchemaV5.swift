extension Migrations {
    /// Version 5: on a Redis Cluster a writer's position is kept per slot, so a
    /// checkpoint's mark is that writer's position in every slot it wrote
    /// (`SlotPositions`), one row per slot, raised with each flush. The next owner of
    /// a partition requires them all. Rows of writers no checkpoint names any more
    /// are pruned (`Checkpoints.pruneSlotPositions`).
    static let schemaV5 = """
        CREATE TABLE redis_slot_position (
            group_id text NOT NULL,
            redis_writer text NOT NULL,
            slot int NOT NULL CHECK (slot >= 0 AND slot < 16384),
            position bigint NOT NULL CHECK (position >= 0),
            PRIMARY KEY (group_id, redis_writer, slot)
        );
        """
}
