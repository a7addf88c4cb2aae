/// The next offset a consumer group reads of one topic partition, stored in the same
/// transaction as the state it covers: state and checkpoint never disagree.
public struct Checkpoint: Sendable, Hashable {
    public var group: String
    public var topic: String
    public var partition: Int32
    /// The offset of the first message not yet covered by the stored state.
    public var nextOffset: Int64

    public init(group: String, topic: String, partition: Int32, nextOffset: Int64) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }
}

/// Reads checkpoints back on start-up or after a rebalance.
public enum Checkpoints {
    static let select = """
        SELECT partition, next_offset
        FROM consumer_checkpoint
        WHERE group_id = $1 AND topic = $2 AND partition = ANY($3::int[])
        """

    /// partition → next offset for the partitions that have a checkpoint; partitions
    /// never checkpointed are absent (the consumer falls back to its reset policy).
    public static func load(
        group: String, topic: String, partitions: [Int32], on connection: PostgresConnection
    ) throws -> [Int32: Int64] {
        let literal = PostgresArrayLiteral.int64(partitions.map(Int64.init))
        var offsets: [Int32: Int64] = [:]
        for row in try connection.query(select, [group, topic, literal]) {
            offsets[Int32(try row.requiredInt64("partition"))] = try row.requiredInt64("next_offset")
        }
        return offsets
    }
}
