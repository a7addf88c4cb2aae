import Logging
import ReceiptKafka
import ReceiptPostgres

extension ReceiptWorker {
    /// Each assigned partition starts at its checkpoint in PostgreSQL. Without one
    /// (or with PostgreSQL unreachable) librdkafka falls back to the offset committed
    /// in Kafka, which is never ahead of the checkpoint, then to `auto.offset.reset`.
    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        owned.formUnion(partitions)
        var starts: [TopicPartition: Int64] = [:]
        do {
            let loaded = try Checkpoints.load(
                group: configuration.group, topic: configuration.eventsTopic,
                partitions: partitions.map(\.partition), on: durableConnection())
            for partition in partitions {
                if let offset = loaded[partition.partition] { starts[partition] = offset }
            }
        } catch {
            postgres = nil
            logger.warning("reading checkpoints from PostgreSQL failed; starting at Kafka's committed offsets",
                           metadata: ["error": "\(error)"])
        }
        durableOffsets.merge(starts) { max($0, $1) }
        logger.info("partitions assigned", metadata: [
            "partitions": "\(partitions.map(\.partition).sorted())",
            "checkpoints": "\(starts.map { "\($0.key.partition):\($0.value)" }.sorted())"])
        return starts
    }

    /// Before librdkafka takes the partitions away: finish everything in flight,
    /// flush and checkpoint, so the next owner starts exactly where this one stopped.
    func partitionsRevoked(_ partitions: [TopicPartition]) {
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.partition).sorted())"])
        if !flushEverything(timeoutMs: configuration.revokeFlushTimeoutMs) {
            logger.warning("revoked before everything was checkpointed; the next owner replays the rest")
        }
        revocations += 1
        owned.subtract(partitions)
        // The batch decoded and not yet read keeps only the partitions still owned: the
        // next owner replays the others from their checkpoints (and if this worker is
        // that owner, it replays them too, so nothing here may be kept for them).
        if let batch = decoded {
            let revoked = Set(partitions)
            decoded = decode(batch.contents.records.filter { !revoked.contains($0) })
        }
        for partition in partitions {
            finishedOffsets[partition] = nil
            positions[partition] = nil
            durableOffsets[partition] = nil
        }
    }

    /// The worker thread's PostgreSQL connection, opened on first use.
    func durableConnection() throws -> PostgresConnection {
        if let postgres, !postgres.isBroken { return postgres }
        postgres = nil
        let fresh = try PostgresConnection.connect(url: configuration.postgresURL)
        postgres = fresh
        return fresh
    }
}
