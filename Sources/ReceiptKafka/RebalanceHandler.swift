/// The caller's part in consumer-group rebalances.
///
/// Both closures run synchronously on the polling thread, inside `KafkaConsumer.poll` or
/// `KafkaConsumer.close` (or while a consumer that was never closed is released). They
/// are not called for an empty set of partitions.
public struct RebalanceHandler: Sendable {
    /// Receives newly assigned partitions; returns where to start reading some of them.
    /// Partitions left out start at their committed offset, or per `auto.offset.reset`.
    public var onAssign: @Sendable ([TopicPartition]) -> [TopicPartition: Int64]
    /// Receives partitions about to be taken away, before they are unassigned: finish,
    /// flush and commit them here. If the assignment was lost (the session timed out)
    /// commits fail with a group-generation error.
    public var onRevoke: @Sendable ([TopicPartition]) -> Void

    public init(
        onAssign: @escaping @Sendable ([TopicPartition]) -> [TopicPartition: Int64] = { _ in [:] },
        onRevoke: @escaping @Sendable ([TopicPartition]) -> Void = { _ in }
    ) {
        self.onAssign = onAssign
        self.onRevoke = onRevoke
    }
}
