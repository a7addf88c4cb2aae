import Foundation
import Logging
import Metrics
import ReceiptCore
import ReceiptKafka
import ReceiptPostgres
import ReceiptRedis
import ReceiptThreads

/// Carries out what `BatchPipelineState` decides, against Kafka, Redis and
/// PostgreSQL: poll → decode → read state → apply → write state → produce
/// notifications and dead letters → flush and checkpoint what the broker
/// acknowledged. It decides nothing about order or checkpoints itself; the
/// machine's invariant is the worker's.
///
/// Lives on one dedicated thread: `run()` blocks, and every librdkafka and hiredis
/// call of the worker happens on that thread, including the rebalance callbacks
/// librdkafka runs inside `poll()`, which drive the machine's drain to its end
/// before they return.
final class ReceiptWorker {
    typealias Machine = BatchPipelineState<RecordBatch, WorkerBatch>

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
    let stop: StopSignal
    /// The worker thread's own PostgreSQL connection, for checkpoints on assignment
    /// and for re-seeding Redis; the flusher has its own.
    var postgres: Reconnecting<PostgresConnection, PostgresError>

    var machine: Machine
    /// The records of the batch announced last, emptied by the next poll, which
    /// keeps their storage: batches are recycled rather than allocated per poll.
    var spareRecords = RecordBatch()
    /// Where notifications are encoded on their way to the producer, to be produced
    /// `notificationsPerSend` per call; reused.
    var batchNotifications: OutgoingRecords
    /// Where delivery outcomes are collected; reused.
    var spareDeliveries = Deliveries()
    /// Why the worker stopped on its own (`stopItself(_:)`): an error no retry can
    /// fix. `run()` throws it at the end.
    var stoppedItselfBecause: String?
    /// Since when Redis has not held the complete state, and whether this worker
    /// found a rollback (the sentinel must then be marked); nil while it does.
    var stateLost: RedisLoss?
    /// The origin of the machine's millisecond clock.
    let startedAt = ContinuousClock.now

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
            endpoint: configuration.redis, clusterSeeds: configuration.redisClusterNodes,
            clientMessageWindow: configuration.clientMessageWindow,
            maxMarksPerUser: configuration.applier.maxMarksPerUser, replicasToWait: configuration.redisReplicasToWait,
            replicaWaitTimeoutMs: configuration.redisReplicaWaitTimeoutMs))
        self.batchNotifications = OutgoingRecords(topic: configuration.notifyTopic)
        self.decoder = EventDecoder(configuration: configuration.decoder)
        self.applier = BatchApplier(configuration: configuration.applierFittingMessages)
        self.machine = Machine(configuration: configuration.pipeline, now: 0)
        let url = configuration.postgresURL
        self.postgres = Reconnecting(connect: { () throws(PostgresError) in try PostgresConnection.connect(url: url) },
                                     isBroken: \.isBroken)
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

    /// Milliseconds since the worker started: the machine's monotonic clock.
    var now: Int64 { (ContinuousClock.now - startedAt).nanoseconds / 1_000_000 }

    /// Runs until `stop` is raised and the machine has drained: the batch in hand
    /// finished, its deliveries acknowledged, flushed and checkpointed. Then leaves
    /// the group.
    func run() throws {
        logger.info("worker started", metadata: [
            "group": "\(configuration.group)", "topic": "\(configuration.eventsTopic)"])
        flusher.start()
        while true {
            if stop.isRequested { machine.stopWasRequested() }
            let action = machine.nextAction(now: now)
            if case .stop(let complete) = action {
                if !complete { logger.warning("stopped before everything was checkpointed; the rest will be replayed") }
                break
            }
            perform(action)
        }
        do {
            try consumer.close()
        } catch {
            logger.warning("leaving the group failed", metadata: ["error": "\(error)"])
        }
        try? producer.flush(timeoutMs: 5_000)
        flusher.stop()
        logger.info("worker stopped")
        if let stoppedItselfBecause { throw WorkerStoppedItself(reason: stoppedItselfBecause) }
    }

    /// Carries out one action and reports its outcome to the machine.
    func perform(_ action: Machine.Action) {
        switch action {
        case .reportStatus: reportStatus()
        case .collectFlushReports: collectFlushReports()
        case .handToFlusher(let job): handToFlusher(job)
        case .commit(let offsets): commitToKafka(offsets)
        case .pauseConsumption: setConsumptionPaused(true)
        case .resumeConsumption: setConsumptionPaused(false)
        case .produceGroupReads(let records): produceGroupReads(records)
        case .awaitDeliveries(let timeoutMs): serveDeliveries(timeoutMs: timeoutMs)
        case .poll(let timeoutMs): poll(timeoutMs: timeoutMs)
        case .decode(let records, let keeping):
            decode(keeping.map { owned in records.filter { owned.contains($0) } } ?? records)
        case .narrow(let batch, let keeping): decode(batch.contents.records.filter { keeping.contains($0) })
        case .cut(let batch, let following): cut(batch, following: following)
        case .sendRead(let batch): sendRead(batch)
        case .collectRead(let batch): collectRead(batch)
        case .confirmWrite(let batch): confirmWrite(batch)
        case .announce(let batch, let tickets): announce(batch, tickets: tickets)
        case .reseed: if reseedUntilDone() { machine.reseeded() } else { machine.reseedAbandoned() }
        case .awaitFlusher(let timeoutMs):
            _ = flusher.waitUntilIdle(deadline: .now + .milliseconds(timeoutMs))
            collectFlushReports()
        case .revocationDrained, .stop: break
        }
    }

    /// Carries out actions until the machine's drain of a revocation is over: called
    /// inside `poll()`, from the rebalance callback.
    func driveRevocation() -> Bool {
        while true {
            let action = machine.nextAction(now: now)
            if case .revocationDrained(let complete) = action { return complete }
            perform(action)
        }
    }

    private func poll(timeoutMs: Int32) {
        var records = spareRecords  // the storage of a batch already announced, if there is one
        spareRecords = RecordBatch()
        do {
            try consumer.pollBatch(maxRecords: configuration.maxBatchRecords, timeoutMs: timeoutMs, into: &records)
            status.update { $0.kafkaReady = true }
            machine.polled(records.isEmpty ? nil : records)
        } catch {
            metrics.kafkaErrors.increment()
            status.update { $0.kafkaReady = false }
            logger.warning("poll failed", metadata: ["error": "\(error)"])
            pause(ms: configuration.retryBackoffMs)
            machine.polled(nil)
        }
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
        var backoff = retryBackoff
        while true {
            do {
                return try body()
            } catch {
                if fatal(error) { throw error }
                errors.increment()
                if let error = error as? RedisError, error.isPermanent {
                    // Retrying would spin forever: stop, and let the operator see why.
                    stopItself("\(what) failed: \(error)")
                    return nil
                }
                let waitMs = backoff.next()
                logger.warning("\(what) failed; retrying", metadata: [
                    "error": "\(error)", "retryInMs": "\(waitMs)"])
                if stop.isRequested { return nil }
                pause(ms: waitMs)
                if stop.isRequested { return nil }
            }
        }
    }

    /// Stops the worker because of an error no retry can fix: one critical log line,
    /// a drain that checkpoints only what is done, and an error from `run()`.
    func stopItself(_ reason: String) {
        guard stoppedItselfBecause == nil else { return }
        logger.critical("stopping: \(reason)")
        stoppedItselfBecause = reason
        stop.request()
    }

    /// A fresh backoff for one retried call.
    var retryBackoff: Backoff {
        Backoff(initialMs: configuration.retryBackoffMs, maxMs: configuration.maxRetryBackoffMs)
    }

    /// `retry` for Redis work: a permanent refusal (`RedisError.isPermanent`) stops the
    /// worker; anything else is retried until it succeeds or a stop comes.
    func retrying<T>(_ what: String, _ body: () throws -> T) -> T? {
        (try? retry(what, counting: metrics.redisErrors, body, fatal: { _ in false })) ?? nil
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// The worker stopped because something no retry can fix happened; the reason is
/// one line for the operator.
public struct WorkerStoppedItself: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "the worker stopped: \(reason)" }
}
