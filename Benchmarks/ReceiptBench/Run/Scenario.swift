import Foundation
import ReceiptKafka

/// One measured run: fresh topics and group, one worker process, one load.
///
/// Workers: receiptd; the naive one-event-at-a-time worker (`naive-worker`); the
/// pipelined Python peer (`Benchmarks/peer/pipelined_worker.py`); none
/// (`brokerAlone`: the load's own records are read back from the events topic, the
/// broker's hop without a worker, at a fixed rate only).
///
/// At max rate the load is produced first, then the worker starts; the topics are
/// read after it finished (outputs timed by their Kafka timestamps) so that nothing
/// but the worker, the broker and the stores compete for the CPU. At a fixed rate
/// the worker runs first and the outputs are read live, for latency.
struct Scenario {
    enum Worker: String { case receiptd, naive, peer = "python-pipelined", brokerAlone = "none" }

    var name: String
    var worker: Worker
    var events: Int
    /// nil: max rate.
    var rate: Int?
    var tag: String
    var configuration: BenchConfiguration

    var topics: (events: String, notify: String, deadLetters: String) {
        ("bench.\(tag).events", "bench.\(tag).notify", "bench.\(tag).dlq")
    }
    var group: String { "bench-\(tag)" }

    func run(log: (String) -> Void) throws -> ScenarioResult {
        let brokers = configuration.brokers
        try KafkaAdmin.createTopics(
            [(topics.events, configuration.partitions), (topics.notify, configuration.partitions), (topics.deadLetters, 1)],
            configuration: KafkaConfiguration(properties: ["bootstrap.servers": brokers]), timeoutMs: 30_000)
        var mix = configuration.mix
        if worker == .naive {
            // Few events: fewer conversations, so most have messages and the type mix
            // reaches its steady proportions (a read needs a message first).
            mix.conversations = max(50, min(mix.conversations, events / 20))
        }
        var generator = LoadGenerator(mix: mix, runTag: tag)
        let timeout = configuration.timeoutSeconds

        if let rate {
            log("\(name): starting the worker, then producing \(events) events at \(rate)/s")
            let process = worker == .brokerAlone ? nil : try startWorker()
            defer { process?.stop() }
            try process?.waitUntilAssigned(timeoutSeconds: 60)
            let sampler = startSampler(pid: process?.pid)
            let collector = try makeCollector(timing: .receipt)
            let collecting = ThreadRunner(name: "collector") { try collector.collect(timeoutSeconds: timeout) }
            // Receipt times only mean something once the collector reads its partitions.
            let joinDeadline = Date().addingTimeInterval(30)
            while !collector.isAssigned, Date() < joinDeadline { WallClock.sleep(milliseconds: 20) }
            let load = try EventProducerLoop.run(generator: &generator, count: events, ratePerSecond: rate,
                                                 topic: topics.events, partitions: configuration.partitions,
                                                 brokers: brokers, lingerMs: configuration.lingerMs)
            collector.finish(afterEndMarkersOf: load)
            let outputs = try collecting.join()
            sampler.sampler.stop()
            try sampler.thread.join()
            return analysis(load, outputs, sampler.sampler).result()
        }

        guard worker != .brokerAlone else { throw BenchError("\(name): the broker alone runs at a fixed rate only") }
        log("\(name): producing \(events) events, then starting the worker")
        let load = try EventProducerLoop.run(generator: &generator, count: events, ratePerSecond: nil,
                                             topic: topics.events, partitions: configuration.partitions,
                                             brokers: brokers, lingerMs: configuration.lingerMs)
        log("\(name): produced in \(String(format: "%.1f", load.produceSeconds)) s; worker running")
        let process = try startWorker()
        defer { process.stop() }
        let sampler = startSampler(pid: process.pid)
        let outputs: OutputCollector.Result
        switch worker {
        case .receiptd, .peer:
            // Done when every record is covered by receiptd's checkpoints, or by the
            // peer's committed offsets: both move only once the outputs were
            // acknowledged by the broker. Read them afterwards, timed by timestamps.
            let deadline = Date().addingTimeInterval(Double(timeout))
            if worker == .receiptd {
                while sampler.sampler.checkpointedRecords.load(ordering: .relaxed) < load.produced, Date() < deadline {
                    guard process.isRunning else { throw BenchError("receiptd exited early; see \(process.logPath)") }
                    WallClock.sleep(milliseconds: 100)
                }
            } else {
                try waitUntilCommitted(load, process: process, deadline: deadline)
            }
            sampler.sampler.stop()
            try sampler.thread.join()
            let collector = try makeCollector(timing: .recordTimestamp)
            collector.finish(afterEndMarkersOf: load)
            outputs = try collector.collect(timeoutSeconds: 120)
        case .naive, .brokerAlone:
            let collector = try makeCollector(timing: .recordTimestamp)
            collector.finish(afterEndMarkersOf: load)
            outputs = try collector.collect(timeoutSeconds: timeout)
            sampler.sampler.stop()
            try sampler.thread.join()
        }
        return analysis(load, outputs, sampler.sampler).result()
    }

    private func analysis(_ load: EventLoad, _ outputs: OutputCollector.Result, _ sampler: RunSampler) -> ScenarioAnalysis {
        ScenarioAnalysis(name: name, worker: worker.rawValue, targetRate: rate, load: load, outputs: outputs,
                         processSamples: sampler.processSamples, checkpointSamples: sampler.checkpointSamples)
    }

    /// Polls the group's committed offsets (a consumer of the group that does not
    /// join it) until they reach every partition's end.
    private func waitUntilCommitted(_ load: EventLoad, process: WorkerProcess, deadline: Date) throws {
        let reader = try KafkaConsumer.make(
            configuration: KafkaConfiguration(properties: ["bootstrap.servers": configuration.brokers, "group.id": group]),
            topics: [], rebalance: RebalanceHandler(onAssign: { _ in [:] }))
        defer { try? reader.close() }
        let partitions = (0..<configuration.partitions).map { TopicPartition(topic: topics.events, partition: $0) }
        while Date() < deadline {
            guard process.isRunning else { throw BenchError("\(worker.rawValue) exited early; see \(process.logPath)") }
            let committed = (try? reader.committed(partitions, timeoutMs: 5_000)) ?? [:]
            if partitions.allSatisfy({ (committed[$0] ?? 0) >= load.endOffset(of: $0.partition) }) { return }
            WallClock.sleep(milliseconds: 200)
        }
        throw BenchError("\(worker.rawValue) did not commit every record within \(configuration.timeoutSeconds) s; see \(process.logPath)")
    }

    private func makeCollector(timing: OutputCollector.Timing) throws -> OutputCollector {
        // With no worker, every event record is its own output: read like a dead
        // letter (the refused record, unchanged, its eventID first).
        try OutputCollector(brokers: configuration.brokers, notifyTopic: worker == .brokerAlone ? nil : topics.notify,
                            deadLetterTopic: worker == .brokerAlone ? topics.events : topics.deadLetters, runTag: tag,
                            eventCount: events + 64 * Int(configuration.partitions), timing: timing)
    }

    private func startSampler(pid: Int32?) -> (sampler: RunSampler, thread: ThreadRunner<Void>) {
        let sampler = RunSampler(pid: pid, postgresURL: worker == .receiptd ? configuration.postgresURL : nil,
                                 group: group)
        return (sampler, ThreadRunner(name: "sampler") { sampler.run() })
    }

    private func startWorker() throws -> WorkerProcess {
        var environment = [
            "RECEIPTD_BROKERS": configuration.brokers,
            "RECEIPTD_REDIS_URL": configuration.redisURL,
            "RECEIPTD_POSTGRES_URL": configuration.postgresURL,
            "RECEIPTD_GROUP": group,
            "RECEIPTD_EVENTS_TOPIC": topics.events,
            "RECEIPTD_NOTIFY_TOPIC": topics.notify,
            "RECEIPTD_DLQ_TOPIC": topics.deadLetters,
            "RECEIPTD_HTTP_PORT": "0",
        ]
        if worker == .receiptd { environment["RECEIPTD_KAFKA_LINGER_MS"] = String(configuration.lingerMs) }
        environment.merge(configuration.workerEnvironment) { _, extra in extra }
        let logPath = (configuration.logDirectory ?? NSTemporaryDirectory()) + "/\(tag)-\(worker.rawValue).log"
        switch worker {
        case .receiptd:
            return try WorkerProcess(executable: configuration.receiptdPath, arguments: ["run", "--migrate"],
                                     environment: environment, logPath: logPath)
        case .naive:
            return try WorkerProcess(executable: configuration.benchPath, arguments: ["naive-worker"],
                                     environment: environment, logPath: logPath)
        case .peer:
            for (path, what) in [(configuration.peerPython, "interpreter"), (configuration.peerScript, "script")]
            where !FileManager.default.fileExists(atPath: path) {
                throw BenchError("the Python peer's \(what) \(path) is missing: run scripts/setup.sh from the repository's root (it makes .local/bench-peer), or pass --peer-python and --peer-script")
            }
            return try WorkerProcess(executable: configuration.peerPython, arguments: [configuration.peerScript],
                                     environment: environment, logPath: logPath)
        case .brokerAlone:
            preconditionFailure("no worker runs beside the broker alone")
        }
    }
}
