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
    ///
    /// On a Redis Cluster the previous owners' positions are per slot
    /// (`SlotPositions`): every slot they recorded is checked now, and this worker's
    /// next flush records all of its own slots again.
    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var starts: [TopicPartition: Int64] = [:]
        do {
            let connection = try postgres.live()
            let loaded = try Checkpoints.load(
                group: configuration.group, topic: configuration.eventsTopic,
                partitions: partitions.map(\.partition), on: connection)
            var previousWriters: Set<String> = []
            for partition in partitions {
                guard let checkpoint = loaded[partition.partition] else { continue }
                starts[partition] = checkpoint.nextOffset
                if let mark = checkpoint.mark, mark.writer != store.writerID {
                    store.requiredPositions[mark.writer] = max(store.requiredPositions[mark.writer] ?? 0, mark.position)
                    previousWriters.insert(mark.writer)
                }
            }
            if !configuration.redisClusterNodes.isEmpty {
                try requireSlotPositions(of: previousWriters, on: connection)
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

    /// Adds the previous owners' recorded slot positions to what the next writer
    /// check requires, and prunes those of writers no checkpoint names any more.
    private func requireSlotPositions(of writers: Set<String>, on connection: PostgresConnection) throws {
        store.recordedSlotPositions = [:]
        if !writers.isEmpty {
            let recorded = try Checkpoints.slotPositions(group: configuration.group, writers: writers.sorted(),
                                                         on: connection)
            for (writer, positions) in recorded {
                for (slot, position) in positions {
                    store.requiredSlotPositions[slot, default: [:]][writer] =
                        max(store.requiredSlotPositions[slot]?[writer] ?? 0, position)
                }
            }
        }
        do {
            try Checkpoints.pruneSlotPositions(group: configuration.group, keeping: store.writerID, on: connection)
        } catch {
            logger.warning("pruning old slot positions failed", metadata: ["error": "\(error)"])
        }
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
