import Logging
import ReceiptKafka
import ReceiptPostgres

extension ReceiptWorker {
    /// Each assigned partition starts at its checkpoint in PostgreSQL. Without one
    /// (or with PostgreSQL unreachable) librdkafka falls back to the offset committed
    /// in Kafka, which is never ahead of the checkpoint, then to `auto.offset.reset`.
    ///
    /// Before any batch of them reads Redis, the writer check requires the write
    /// positions their checkpoints recorded: a Redis older than the state
    /// PostgreSQL holds for them (rolled back while they changed owners, or while
    /// every replica was down) is rebuilt first. The check's own position then
    /// covers the previous owners' writes for as long as this worker runs.
    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        do {
            let loaded = try Checkpoints.load(
                group: configuration.group, topic: configuration.eventsTopic,
                partitions: partitions.map(\.partition), on: postgres.live())
            for partition in partitions {
                guard let checkpoint = loaded[partition.partition] else { continue }
                starts[partition] = checkpoint.nextOffset
                if let mark = checkpoint.mark, mark.writer != store.writerID {
                    store.requiredPositions[mark.writer] = max(store.requiredPositions[mark.writer] ?? 0, mark.position)
                }
            }
        } catch {
            postgres.drop()
            logger.warning("reading checkpoints from PostgreSQL failed; starting at Kafka's committed offsets",
                           metadata: ["error": "\(error)"])
        }
        machine.assigned(partitions, checkpoints: starts)
        do {
            try store.checkWriter()
        } catch let lost as RedisStateLost {
            noteStateLost(lost)
            machine.redisLost()
        } catch {
            // The batches' own checks require the positions until one check succeeds.
            logger.warning("checking Redis after the assignment failed", metadata: ["error": "\(error)"])
        }
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
