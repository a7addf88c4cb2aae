import Foundation
import Logging
import Metrics
import ReceiptCore
import ReceiptKafka
import ReceiptPostgres

/// The batch loop of one worker: poll → decode → read state → apply → write state
/// → produce notifications and dead letters → commit what the broker acknowledged.
///
/// Lives on one dedicated thread: `run(until:)` blocks, and every librdkafka and
/// hiredis call of the worker happens on that thread, including the rebalance
/// callbacks librdkafka runs inside `poll()`.
///
/// Invariant: a checkpoint (in PostgreSQL, then in Kafka) covers a record only after
/// the record was applied to Redis, its state was written to PostgreSQL, and every
/// notification and dead letter it caused was acknowledged by the broker. A crash
/// anywhere replays from the last checkpoint, and replay is safe: allocation is
/// idempotent by clientMsgID and watermarks only move up. A batch whose group reads
/// wait in a `groupHasRead` window holds a ticket until that window's records are
/// acknowledged, so coalescing never lets a checkpoint pass an unsent notification.
final class ReceiptWorker {
    let configuration: WorkerConfiguration
    let logger: Logger
    let metrics = PipelineMetrics()
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let store: RedisStateStore
    let decoder: EventDecoder
    let applier: BatchApplier
    let flusher: CheckpointFlusher
    let status: WorkerStatus
    /// The worker thread's own PostgreSQL connection, for checkpoints on assignment
    /// and for re-seeding Redis; the flusher has its own.
    var postgres: PostgresConnection?

    var ledger = DeliveryLedger()
    /// Finished offsets not yet handed to the flusher.
    var finishedOffsets: [TopicPartition: Int64] = [:]
    /// State applied to Redis and not yet durable.
    var pending = PendingState()
    /// The batch polled and decoded last, processed next: it is decoded while Redis
    /// reads the state of the batch before it.
    var decoded: DecodedBatch?
    /// The batch applied last, until `announceApplied()` produces what it caused.
    var applied: AppliedBatch?
    /// Its write to Redis, sent and not yet confirmed.
    var writeInFlight: WriteInFlight?
    /// The records of the batch announced last, emptied by the next poll, which
    /// keeps their storage: batches are recycled rather than allocated per poll.
    var spareRecords = RecordBatch()
    /// Set when a stop dropped an applied batch before it was announced: no later
    /// batch may then be announced either, or its checkpoint would skip the dropped
    /// records. (Stopping is the only way to drop one.)
    var droppedABatch = false
    /// Partitions this worker owns, and how many revocations it has seen: records a
    /// poll gathered before a revocation inside that same poll are dropped (the next
    /// owner replays them from the checkpoint).
    var owned: Set<TopicPartition> = []
    var revocations = 0
    var lastHandOff = ContinuousClock.now
    var consumptionPaused = false
    /// The durable checkpoint per owned partition (from PostgreSQL at assignment,
    /// then from each flush): where a replay of that partition would start.
    var durableOffsets: [TopicPartition: Int64] = [:]
    /// Next offset to consume per owned partition, for the lag metric.
    var positions: [TopicPartition: Int64] = [:]
    var lastStatusUpdate = ContinuousClock.now
    /// Group reads waiting in their `groupHasRead` window, and the ledger tickets each
    /// window holds for the batches that fed it.
    var groupReads: GroupReadCoalescer
    var groupReadHolds = GroupReadHolds()
    /// Where notifications are encoded on their way to the producer, to be produced
    /// `notificationsPerSend` per call; reused.
    var batchNotifications: OutgoingRecords
    /// Where delivery outcomes are collected; reused.
    var spareDeliveries = Deliveries()
    /// The origin of the coalescer's millisecond clock.
    let startedAt = ContinuousClock.now
    let stop: StopSignal

    private init(configuration: WorkerConfiguration, logger: Logger, stop: StopSignal, status: WorkerStatus,
                 consumer: KafkaConsumer, producer: KafkaProducer) {
        self.configuration = configuration
        self.logger = logger
        self.stop = stop
        self.status = status
        self.flusher = CheckpointFlusher(
            configuration: .init(postgresURL: configuration.postgresURL, group: configuration.group,
                                 retryBackoffMs: configuration.retryBackoffMs,
                                 maxRetryBackoffMs: configuration.maxRetryBackoffMs,
                                 clientMessageTTLSeconds: configuration.clientMessageTTLSeconds),
            logger: logger)
        self.consumer = consumer
        self.producer = producer
        self.store = RedisStateStore(configuration: .init(
            endpoint: configuration.redis, clientMessageWindow: configuration.clientMessageWindow,
            maxMarksPerUser: configuration.applier.maxMarksPerUser))
        self.groupReads = GroupReadCoalescer(configuration: configuration.groupReads)
        self.batchNotifications = OutgoingRecords(topic: configuration.notifyTopic)
        self.decoder = EventDecoder(configuration: configuration.decoder)
        self.applier = BatchApplier(configuration: configuration.applier)
    }

    /// Creates the Kafka clients and subscribes. Call on the worker thread.
    static func make(configuration: WorkerConfiguration, logger: Logger, stop: StopSignal,
                     status: WorkerStatus) throws -> ReceiptWorker {
        let box = ThreadConfined<ReceiptWorker?>(nil)
        let rebalance = RebalanceHandler(
            onAssign: { partitions in box.value?.partitionsAssigned(partitions) ?? [:] },
            onRevoke: { partitions in box.value?.partitionsRevoked(partitions) })
        let producer = try KafkaProducer.make(configuration: KafkaConfiguration(properties: configuration.producerProperties))
        let consumer = try KafkaConsumer.make(
            configuration: KafkaConfiguration(properties: configuration.consumerProperties),
            topics: [configuration.eventsTopic], rebalance: rebalance,
            readsHeaders: false)  // events carry everything in their value
        let worker = ReceiptWorker(configuration: configuration, logger: logger, stop: stop, status: status,
                                   consumer: consumer, producer: producer)
        box.value = worker
        return worker
    }

    /// Runs until `stop` is raised, then finishes the batch in hand, waits for its
    /// deliveries, commits and leaves the group.
    func run() {
        logger.info("worker started", metadata: [
            "group": "\(configuration.group)", "topic": "\(configuration.eventsTopic)"])
        flusher.start()
        while !stop.isRequested {
            reportStatus()
            serviceFlusher()
            emitGroupReads()
            if ledger.inFlight >= configuration.maxInFlightNotifications {
                serveDeliveries(timeoutMs: 50)
                continue
            }
            var records = spareRecords  // the storage of a batch already announced, if there is one
            spareRecords = RecordBatch()
            let revocationsBefore = revocations
            do {
                // With a batch in hand (decoded, or applied and waiting to be announced),
                // only take what is there.
                let idle = applied == nil && decoded == nil
                try consumer.pollBatch(maxRecords: configuration.maxBatchRecords,
                                       timeoutMs: idle ? configuration.pollTimeoutMs : 0, into: &records)
            } catch {
                announceApplied()
                metrics.kafkaErrors.increment()
                status.update { $0.kafkaReady = false }
                logger.warning("poll failed", metadata: ["error": "\(error)"])
                pause(ms: configuration.retryBackoffMs)
                continue
            }
            status.update { $0.kafkaReady = true }
            if revocations != revocationsBefore { records = records.filter { owned.contains($0) } }
            if let batch = decoded {
                decoded = nil
                process(batch, decodingMeanwhile: records)
            } else if !records.isEmpty {
                decoded = decode(records)  // processed on the next pass, with the records polled then
            } else {
                announceApplied()
            }
            serveDeliveries(timeoutMs: 0)
        }
        shutDown()
    }

    private func shutDown() {
        logger.info("worker stopping: flushing and checkpointing", metadata: ["inFlight": "\(ledger.inFlight)"])
        if !flushEverything(timeoutMs: configuration.shutdownDrainTimeoutMs) {
            logger.warning("stopped before everything was checkpointed; the rest will be replayed")
        }
        do {
            try consumer.close()
        } catch {
            logger.warning("leaving the group failed", metadata: ["error": "\(error)"])
        }
        try? producer.flush(timeoutMs: 5_000)
        flusher.stop()
        logger.info("worker stopped")
    }

    /// Sleeps on the worker thread (never on the cooperative pool), in short steps so
    /// a stop request is seen promptly.
    func pause(ms: Int) {
        let deadline = ContinuousClock.now + .milliseconds(ms)
        while !stop.isRequested, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Runs `body` until it succeeds, backing off between failures. Returns nil when
    /// a stop is requested first: the batch is then abandoned uncommitted, and the
    /// next owner replays it. An error `fatal` accepts is thrown instead of retried.
    func retry<T>(_ what: String, counting errors: Counter, _ body: () throws -> T,
                  fatal: (any Error) -> Bool) throws -> T? {
        var backoff = configuration.retryBackoffMs
        while true {
            do {
                return try body()
            } catch {
                if fatal(error) { throw error }
                errors.increment()
                logger.warning("\(what) failed; retrying", metadata: [
                    "error": "\(error)", "retryInMs": "\(backoff)"])
                if stop.isRequested { return nil }
                pause(ms: backoff)
                if stop.isRequested { return nil }
                backoff = min(backoff * 2, configuration.maxRetryBackoffMs)
            }
        }
    }

    /// `retry` for Redis work, where no error is worth stopping for.
    func retrying<T>(_ what: String, _ body: () throws -> T) -> T? {
        (try? retry(what, counting: metrics.redisErrors, body, fatal: { _ in false })) ?? nil
    }
}
