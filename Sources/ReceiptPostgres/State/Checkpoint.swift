/// The next offset a consumer group reads of one topic partition, stored in the same
/// transaction as the state it covers: state and checkpoint never disagree.
public struct Checkpoint: Sendable, Hashable {
    public var group: String
    public var topic: String
    public var partition: Int32
    /// The offset of the first message not yet covered by the stored state.
    public var nextOffset: Int64
    /// The worker process that flushed it and its Redis write position then.
    public var mark: CheckpointMark?

    public init(group: String, topic: String, partition: Int32, nextOffset: Int64, mark: CheckpointMark? = nil) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
        self.mark = mark
    }
}

/// Which worker process flushed a checkpoint (its Redis writer ID) and that
/// process's Redis write position when it handed the flush over: every write the
/// checkpointed state came from was made before Redis acknowledged that position.
/// A Redis whose position for that writer is lower is older than PostgreSQL.
public struct CheckpointMark: Sendable, Hashable {
    public var writer: String
    public var position: Int64

    public init(writer: String, position: Int64) {
        self.writer = writer
        self.position = position
    }
}

/// A writer's positions per slot of a Redis Cluster (slot → position), the
/// cluster's part of a `CheckpointMark`: every write the checkpointed state came
/// from was made in its slot before Redis acknowledged that slot's position. Stored
/// with the checkpoints (raised, never lowered), only the slots whose position moved
/// since the writer's previous flush.
public struct SlotPositions: Sendable, Equatable {
    public var group: String
    public var writer: String
    public var positions: [Int: Int64]

    public init(group: String, writer: String, positions: [Int: Int64]) {
        self.group = group
        self.writer = writer
        self.positions = positions
    }
}

/// One partition's checkpoint as `Checkpoints.load` reads it back.
public struct StoredCheckpoint: Sendable, Equatable {
    public var nextOffset: Int64
    public var mark: CheckpointMark?

    public init(nextOffset: Int64, mark: CheckpointMark?) {
        self.nextOffset = nextOffset
        self.mark = mark
    }
}

/// Reads checkpoints back on start-up or after a rebalance.
public enum Checkpoints {
    static let select = """
        SELECT partition, next_offset, redis_writer, redis_position
        FROM consumer_checkpoint
        WHERE group_id = $1 AND topic = $2 AND partition = ANY($3::int[])
        """

    static let selectMarks = """
        SELECT redis_writer, max(redis_position) AS redis_position
        FROM consumer_checkpoint
        WHERE group_id = $1 AND redis_writer IS NOT NULL
        GROUP BY redis_writer
        """

    static let selectSlotPositions = """
        SELECT redis_writer, slot, position FROM redis_slot_position
        WHERE group_id = $1 AND redis_writer = ANY($2::text[])
        """

    static let selectNamedSlotPositions = """
        SELECT p.redis_writer, p.slot, p.position FROM redis_slot_position p
        WHERE p.group_id = $1
          AND p.redis_writer IN (SELECT redis_writer FROM consumer_checkpoint WHERE group_id = $1)
        """

    static let pruneSlotPositionsStatement = """
        DELETE FROM redis_slot_position p
        WHERE p.group_id = $1 AND p.redis_writer <> $2
          AND NOT EXISTS (SELECT FROM consumer_checkpoint c WHERE c.group_id = $1 AND c.redis_writer = p.redis_writer)
        """

    /// partition → next offset and mark (nil for rows flushed before marks were
    /// kept) for the partitions that have a checkpoint; partitions never
    /// checkpointed are absent (the consumer falls back to its reset policy).
    public static func load(
        group: String, topic: String, partitions: [Int32], on connection: PostgresConnection
    ) throws -> [Int32: StoredCheckpoint] {
        let literal = PostgresArrayLiteral.int64(partitions.map(Int64.init))
        var checkpoints: [Int32: StoredCheckpoint] = [:]
        for row in try connection.query(select, [group, topic, literal]) {
            let mark = try row.string("redis_writer").flatMap { writer in
                try row.int64("redis_position").map { CheckpointMark(writer: writer, position: $0) }
            }
            checkpoints[Int32(try row.requiredInt64("partition"))] =
                StoredCheckpoint(nextOffset: try row.requiredInt64("next_offset"), mark: mark)
        }
        return checkpoints
    }

    static let selectReplayHorizons = """
        SELECT partition, next_offset FROM replay_horizon
        WHERE topic = $1 AND partition = ANY($2::int[])
        """

    /// partition → the replay horizon flushed for it (see `Migrations.schemaV7`);
    /// partitions with none are absent.
    public static func replayHorizons(
        topic: String, partitions: [Int32], on connection: PostgresConnection
    ) throws -> [Int32: Int64] {
        let literal = PostgresArrayLiteral.int64(partitions.map(Int64.init))
        var horizons: [Int32: Int64] = [:]
        for row in try connection.query(selectReplayHorizons, [topic, literal]) {
            horizons[Int32(try row.requiredInt64("partition"))] = try row.requiredInt64("next_offset")
        }
        return horizons
    }

    /// The per-slot positions (`SlotPositions`) recorded for `writers`: writer →
    /// slot → position. Empty on a single Redis.
    public static func slotPositions(
        group: String, writers: [String], on connection: PostgresConnection
    ) throws -> [String: [Int: Int64]] {
        try readSlotPositions(connection.query(selectSlotPositions, [group, PostgresArrayLiteral.text(writers)]))
    }

    /// The per-slot positions of every writer the group's checkpoints name: what a
    /// Redis Cluster rebuilt from PostgreSQL must hold again.
    public static func slotPositions(group: String, on connection: PostgresConnection) throws -> [String: [Int: Int64]] {
        try readSlotPositions(connection.query(selectNamedSlotPositions, [group]))
    }

    /// Deletes the per-slot positions of writers no checkpoint of the group names
    /// any more (their partitions were checkpointed by others since), except
    /// `keeping`'s (the caller's, which may be about to checkpoint again). Returns
    /// the rows deleted.
    @discardableResult
    public static func pruneSlotPositions(group: String, keeping writer: String,
                                          on connection: PostgresConnection) throws -> Int {
        try connection.query(pruneSlotPositionsStatement, [group, writer]).affectedRows ?? 0
    }

    private static func readSlotPositions(_ rows: PostgresRows) throws -> [String: [Int: Int64]] {
        var positions: [String: [Int: Int64]] = [:]
        for row in rows {
            guard let writer = try row.string("redis_writer") else { continue }
            positions[writer, default: [:]][Int(try row.requiredInt64("slot"))] = try row.requiredInt64("position")
        }
        return positions
    }

    /// Every writer the group's checkpoints name, with the highest position they
    /// recorded for it: what a Redis rebuilt from PostgreSQL must hold again.
    public static func marks(group: String, on connection: PostgresConnection) throws -> [String: Int64] {
        var marks: [String: Int64] = [:]
        for row in try connection.query(selectMarks, [group]) {
            if let writer = try row.string("redis_writer"), let position = try row.int64("redis_position") {
                marks[writer] = position
            }
        }
        return marks
    }
}
