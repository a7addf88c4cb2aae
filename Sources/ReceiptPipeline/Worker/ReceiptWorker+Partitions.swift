import Logging
import ReceiptKafka
import ReceiptPostgres

extension ReceiptWorker {
    /// Each assigned partition starts at its checkpoint in PostgreSQL. Without one
    /// (or with PostgreSQL unreachable) librdkafka falls back to the offset committed
    /// in Kafka, which is never ahead of the checkpoint, then to `auto.offset.reset`.
    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        do {
            let loaded = try Checkpoints.load(
                group: configuration.group, topic: configuration.eventsTopic,
                partitions: partitions.map(\.partition), on: postgres.live())
            for partition in partitions {
                if let offset = loaded[partition.partition] { starts[partition] = offset }
            }
        } catch {
            postgres.drop()
            logger.warning("reading checkpoints from PostgreSQL failed; starting at Kafka's committed offsets",
                           metadata: ["error": "\(error)"])
        }
        machine.assigned(partitions, checkpoints: starts)
        logger.info("partitions assigned", metadata: [
            "partitions": "\(partitions.map(\.partition).sorted())",
            "checkpoints": "\(starts.map { "\($0.key.partition):\($0.value)" }.sorted())"])
        return starts
    }

    /// Before librdkafka takes the partitions away: the machine drains everything in
    /// flight to PostgreSQL, so the next owner starts exactly where this one stopped.
    func partitionsRevoked(_ partitions: [TopicPartition]) {
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.partition).sorted())"])
        machine.revoked(partitions, now: now)
        if !driveRevocation() {
            logger.warning("revoked before everything was checkpointed; the next owner replays the rest")
        }
    }
}
