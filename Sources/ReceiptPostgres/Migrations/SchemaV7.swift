extension Migrations {
    /// Version 7: per partition of the events topic, the replay horizon of the state
    /// flushed here: the offset after the last record whose state any flush stored.
    /// Not per group: the state is one, whichever group applied it.
    /// Written with the state in the same transaction, never lowered. A worker that
    /// takes the partition over treats every record below it (or below the horizon
    /// Redis holds, whichever is higher) as a possible replay.
    static let schemaV7 = """
        CREATE TABLE replay_horizon (
            topic text NOT NULL,
            partition int NOT NULL CHECK (partition >= 0),
            next_offset bigint NOT NULL CHECK (next_offset >= 0),
            PRIMARY KEY (topic, partition)
        );
        """
}
