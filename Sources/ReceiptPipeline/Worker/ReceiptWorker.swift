import Foundation
import Logging
import ReceiptCore
import ReceiptKafka

/// The batch loop of one worker: poll → decode → read state → apply → write state
/// → produce notifications and dead letters → commit what the broker acknowledged.
///
/// Lives on one dedicated thread: `run(until:)` blocks, and every librdkafka and
/// hiredis call of the worker happens on that thread, including the rebalance
/// callbacks librdkafka runs inside `poll()`.
///
/// Invariant: an offset is committed only after the records before it were applied
/// to Redis and every notification and dead letter they caused was acknowledged by
/// the broker. A crash anywhere replays from the last commit, and replay is safe:
/// allocation is idempotent by clientMsgID and watermarks only move up.
final class ReceiptWorker {
    let configuration: WorkerConfiguration
    let logger: Logger
    let metrics = PipelineMetrics()
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let store: RedisStateStore
    let decoder: EventDecoder
    let applier: BatchApplier

    var ledger = DeliveryLedger()
    /// Records in flight by ticket, kept until acknowledged so a failed delivery is
    /// sent again rather than lost.
    var unacknowledged: [UInt64: OutgoingRecord] = [:]
    /// Finished offsets not yet committed to Kafka.
    var finishedOffsets: [TopicPartition: Int64] = [:]
    var lastCommit = ContinuousClock.now
    let stop: StopSignal

    private init(configuration: WorkerConfiguration, logger: Logger, stop: StopSignal,
                 consumer: KafkaConsumer, producer: KafkaProducer) {
        self.configuration = configuration
        self.logger = logger
        self.stop = stop
        self.consumer = consumer
        self.producer = producer
        self.store = RedisStateStore(configuration: .init(
            endpoint: configuration.redis, clientMessageTTLSeconds: configuration.clientMessageTTLSeconds))
        self.decoder = EventDecoder(configuration: configuration.decoder)
        self.applier = BatchApplier(configuration: configuration.applier)
    }

    /// Creates the Kafka clients and subscribes. Call on the worker thread.
    static func make(configuration: WorkerConfiguration, logger: Logger, stop: StopSignal) throws -> ReceiptWorker {
        let box = ThreadConfined<ReceiptWorker?>(nil)
        let rebalance = RebalanceHandler(
            onAssign: { partitions in box.value?.partitionsAssigned(partitions) ?? [:] },
            onRevoke: { partitions in box.value?.partitionsRevoked(partitions) })
        let producer = try KafkaProducer.make(configuration: KafkaConfiguration(properties: configuration.producerProperties))
        let consumer = try KafkaConsumer.make(
            configuration: KafkaConfiguration(properties: configuration.consumerProperties),
            topics: [configuration.eventsTopic], rebalance: rebalance)
        let worker = ReceiptWorker(configuration: configuration, logger: logger, stop: stop,
                                   consumer: consumer, producer: producer)
        box.value = worker
        return worker
    }

    /// Runs until `stop` is raised, then finishes the batch in hand, waits for its
    /// deliveries, commits and leaves the group.
    func run() {
        logger.info("worker started", metadata: [
            "group": "\(configuration.group)", "topic": "\(configuration.eventsTopic)"])
        while !stop.isRequested {
            if ledger.inFlight >= configuration.maxInFlightNotifications {
                serveDeliveries(timeoutMs: 50)
                commitIfDue()
                continue
            }
            let records: [KafkaRecord]
            do {
                records = try consumer.poll(maxRecords: configuration.maxBatchRecords,
                                            timeoutMs: configuration.pollTimeoutMs)
            } catch {
                metrics.kafkaErrors.increment()
                logger.warning("poll failed", metadata: ["error": "\(error)"])
                pause(ms: configuration.retryBackoffMs)
                continue
            }
            if !records.isEmpty { process(records) }
            serveDeliveries(timeoutMs: 0)
            commitIfDue()
        }
        shutDown()
    }

    private func shutDown() {
        logger.info("worker stopping: draining deliveries", metadata: ["inFlight": "\(ledger.inFlight)"])
        drainDeliveries(timeoutMs: configuration.shutdownDrainTimeoutMs)
        commit(force: true)
        do {
            try consumer.close()
        } catch {
            logger.warning("leaving the group failed", metadata: ["error": "\(error)"])
        }
        try? producer.flush(timeoutMs: 5_000)
        logger.info("worker stopped")
    }

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        logger.info("partitions assigned", metadata: ["partitions": "\(partitions.map(\.partition).sorted())"])
        return [:]
    }

    /// Before librdkafka takes the partitions away: finish everything in flight and
    /// commit, so the next owner starts exactly where this one stopped.
    func partitionsRevoked(_ partitions: [TopicPartition]) {
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.partition).sorted())"])
        drainDeliveries()
        commit(force: true)
        for partition in partitions { finishedOffsets[partition] = nil }
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
    /// next owner replays it.
    func retrying<T>(_ what: String, _ body: () throws -> T) -> T? {
        var backoff = configuration.retryBackoffMs
        while true {
            do {
                return try body()
            } catch {
                metrics.redisErrors.increment()
                logger.warning("\(what) failed; retrying", metadata: [
                    "error": "\(error)", "retryInMs": "\(backoff)"])
                if stop.isRequested { return nil }
                pause(ms: backoff)
                if stop.isRequested { return nil }
                backoff = min(backoff * 2, configuration.maxRetryBackoffMs)
            }
        }
    }
}
