import Logging
import ReceiptKafka
import ReceiptPostgres
import ReceiptRedis

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
        var storedHorizons: [Int32: Int64]?
        do {
            let connection = try postgres.live()
            let loaded = try Checkpoints.load(
                group: configuration.group, topic: configuration.eventsTopic,
                partitions: partitions.map(\.partition), on: connection)
            storedHorizons = try Checkpoints.replayHorizons(
                topic: configuration.eventsTopic,
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
        var horizons: [TopicPartition: Int64] = [:]
        do {
            try store.checkWriter()
            // Only from a Redis that holds what the checkpoints recorded: one found
            // rolled back here is rebuilt, and its horizons predate what the rebuild
            // brings back from PostgreSQL. Without them every record may be a replay.
            horizons = replayHorizons(of: partitions, stored: storedHorizons)
            machine.learnedReplayHorizons(horizons)
        } catch let lost as RedisStateLost {
            noteStateLost(lost)
            machine.redisLost()
        } catch {
            // The batches' own checks require the positions until one check succeeds.
            logger.warning("checking Redis after the assignment failed", metadata: ["error": "\(error)"])
        }
        logger.info("partitions assigned", metadata: [
            "partitions": "\(partitions.map(\.partition).sorted())",
            "checkpoints": "\(starts.map { "\($0.key.partition):\($0.value)" }.sorted())",
            "replayHorizons": "\(horizons.map { "\($0.key.partition):\($0.value)" }.sorted())"])
        return starts
    }

    /// Each partition's replay horizon: every record below it may have been applied
    /// by a previous owner. The higher of what Redis holds (`ReplayHorizonScript`,
    /// written ahead of each batch's state, valid under its scope's current epoch
    /// only) and what PostgreSQL's flushes stored (`stored`): Redis holds nothing
    /// beyond its epoch but what PostgreSQL does. A partition neither knows was
    /// never applied by anyone: 0. A partition whose horizon's scope lost its data
    /// or went back, and every partition when PostgreSQL or Redis could not be
    /// read, has none: all of its records may be replays, and repeats are announced
    /// again, as they always were, never lost.
    private func replayHorizons(of partitions: [TopicPartition], stored: [Int32: Int64]?) -> [TopicPartition: Int64] {
        guard let stored else { return [:] }
        let tags = partitions.map { horizonTag($0) }
        do {
            let found = try store.replayHorizons(tags: tags)
            var horizons: [TopicPartition: Int64] = [:]
            for (partition, tag) in zip(partitions, tags) {
                guard let inRedis = found[tag] else { continue }
                horizons[partition] = max(inRedis, stored[partition.partition] ?? 0)
            }
            return horizons
        } catch {
            metrics.redisErrors.increment()
            logger.warning("reading the partitions' replay horizons failed; their repeated reads are announced again",
                           metadata: ["error": "\(error)"])
            return [:]
        }
    }

    /// The pseudo-conversationID of `partition`'s replay horizon (not per group:
    /// the state is one, whichever group applied it).
    func horizonTag(_ partition: TopicPartition) -> String {
        RedisKeys.replayHorizonTag(topic: partition.topic, partition: partition.partition)
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
