import ArgumentParser
import Foundation
import ReceiptBench
import ReceiptRedis
import Synchronization

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiptd-bench",
        abstract: "End-to-end benchmark of receiptd on the local stack (issue 6).",
        subcommands: [RunBench.self, NaiveWorkerCommand.self])
}

/// Reads a stack endpoint: the flag, else `RECEIPTD_<NAME>`, else `RECEIPTD_TEST_<NAME>`.
func endpoint(_ flag: String?, _ name: String) throws -> String {
    let env = ProcessInfo.processInfo.environment
    guard let value = flag ?? env["RECEIPTD_\(name)"] ?? env["RECEIPTD_TEST_\(name)"], !value.isEmpty else {
        throw ValidationError("RECEIPTD_\(name) is not set (start the stack: scripts/stack.sh start; eval \"$(scripts/stack.sh env)\")")
    }
    return value
}

/// The directory this executable lives in (where `swift build` also put `receiptd`).
func ownDirectory() -> String {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
}

struct RunBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Generate load, run the workers, measure, print a table and write JSON.")

    @Option(help: "all (receiptd max, receiptd at half max, naive, python peer, ceiling), receiptd, naive, peer, ceiling, or latency (receiptd max, then the broker alone and receiptd at 10%, 25% and 50% of it).")
    var mode: BenchMode = .all
    @Option(help: "Events of the max-rate receiptd run (or of a --rate run). Default: 1000000.")
    var events: Int?
    @Option(help: "max, or events per second produced while receiptd runs (mode receiptd). Default: max.")
    var rate: String = "max"
    @Option(help: "Events of the naive run. Default: 5000.")
    var naiveEvents: Int?
    @Option(help: "Events of the Python peer's run. Default: as many as receiptd's.")
    var peerEvents: Int?
    @Option(help: "The Python peer's interpreter. Default: .local/bench-peer/bin/python3 (made by scripts/setup.sh).")
    var peerPython: String?
    @Option(help: "The Python peer's script. Default: Benchmarks/peer/pipelined_worker.py.")
    var peerScript: String?
    @Option(help: "Seconds of the half-max-rate latency run (mode all). Default: 20.")
    var latencySeconds: Int?
    @Option(help: "Requests per redis-benchmark command. Default: 500000.")
    var ceilingRequests: Int?
    @Option(help: "Conversations. Default: 5000.") var conversations: Int?
    @Option(help: "Fraction of conversations that are groups (log-uniform 3...10000 members). Default: 0.")
    var groupShare: Double?
    @Option(help: "Type weights newMsg,markConversationAsRead,markMsgsAsRead,msgDelivered. Default: 1,1,0,0.")
    var weights: String?
    @Option(help: "Fraction of duplicate records. Default: 0.") var duplicateRate: Double?
    @Option(help: "How often a read goes to a member already at maxSeq when some are and some are not (0...1); the report counts the reads that repeat. Default: any member reads.")
    var repeatingReaderShare: Double?
    @Option(help: "Fraction of invalid records. Default: 0.") var invalidRate: Double?
    @Option(help: "Generator seed. Default: 42.") var seed: UInt64?
    @Flag(help: "The realistic mix: 20000 conversations, 10% groups, all types, 1% duplicates, 0.5% invalid.")
    var realistic = false
    @Option(help: "Partitions of the events and notify topics. Default: 8.") var partitions: Int32?
    @Option(help: "linger.ms of the load generator and of receiptd's notification producer. Default: 20.")
    var lingerMs: Int?
    @Flag(help: "Small and quick: 20000 events, a 4 s latency run, 300 naive events, a short ceiling.")
    var smoke = false
    @Option(help: "Write the report as JSON here.") var json: String?
    @Option(help: "The receiptd executable. Default: next to receiptd-bench.") var receiptd: String?
    @Option(help: "Keep worker logs in this directory. Default: the temporary directory.") var logDirectory: String?
    @Option(name: .customLong("worker-env"), help: "NAME=value added to the worker's environment; repeatable.")
    var workerEnvironment: [String] = []
    @Option(help: "Kafka brokers. Env: RECEIPTD_BROKERS or RECEIPTD_TEST_BROKERS.") var brokers: String?
    @Option(help: "Env: RECEIPTD_REDIS_URL or RECEIPTD_TEST_REDIS_URL.") var redisURL: String?
    @Option(help: "Env: RECEIPTD_POSTGRES_URL or RECEIPTD_TEST_POSTGRES_URL.") var postgresURL: String?

    func run() throws {
        var config = BenchConfiguration(
            brokers: try endpoint(brokers, "BROKERS"), redisURL: try endpoint(redisURL, "REDIS_URL"),
            postgresURL: try endpoint(postgresURL, "POSTGRES_URL"),
            receiptdPath: receiptd ?? ownDirectory() + "/receiptd",
            benchPath: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path)
        if realistic { config.mix = .realistic }
        if smoke { config.applySmoke() }
        if let events { config.events = events }
        if rate != "max" {
            guard let value = Int(rate), value > 0 else { throw ValidationError("--rate must be max or a positive integer") }
            config.rate = value
        }
        if let naiveEvents { config.naiveEvents = naiveEvents }
        if let peerEvents { config.peerEvents = peerEvents }
        if let peerPython { config.peerPython = peerPython }
        if let peerScript { config.peerScript = peerScript }
        if let latencySeconds { config.latencySeconds = latencySeconds }
        if let ceilingRequests { config.ceilingRequests = ceilingRequests }
        if let conversations { config.mix.conversations = conversations }
        if let groupShare { config.mix.groupShare = groupShare }
        if let duplicateRate { config.mix.duplicateRate = duplicateRate }
        if let repeatingReaderShare {
            guard (0...1).contains(repeatingReaderShare) else { throw ValidationError("--repeating-reader-share must be in 0...1") }
            config.mix.repeatingReaderShare = repeatingReaderShare
        }
        if let invalidRate { config.mix.invalidRate = invalidRate }
        if let seed { config.mix.seed = seed }
        if let partitions { config.partitions = partitions }
        if let lingerMs { config.lingerMs = lingerMs }
        if let weights {
            let w = weights.split(separator: ",").compactMap { Double($0) }
            guard w.count == 4 else { throw ValidationError("--weights takes four numbers") }
            (config.mix.weights.newMsg, config.mix.weights.markConversationAsRead,
             config.mix.weights.markMsgsAsRead, config.mix.weights.msgDelivered) = (w[0], w[1], w[2], w[3])
        }
        config.logDirectory = logDirectory
        for pair in workerEnvironment {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--worker-env takes NAME=value") }
            config.workerEnvironment[parts[0]] = parts[1]
        }

        let report = try BenchRunner(configuration: config, mode: mode).run { line in
            FileHandle.standardError.write(Data("bench: \(line)\n".utf8))
        }
        print(ReportTable.render(report))
        if let json { try report.jsonData().write(to: URL(fileURLWithPath: json)) }
    }
}

extension BenchMode: ExpressibleByArgument {}

struct NaiveWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "naive-worker",
        abstract: "The naive one-event-at-a-time worker (started by run; reads RECEIPTD_* like receiptd). SIGTERM stops it.")

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let configuration = NaiveWorker.Configuration(
            brokers: try endpoint(nil, "BROKERS"), redis: try RedisEndpoint(url: try endpoint(nil, "REDIS_URL")),
            group: env["RECEIPTD_GROUP"] ?? "receiptd-naive",
            eventsTopic: env["RECEIPTD_EVENTS_TOPIC"] ?? "im.receipt.events",
            notifyTopic: env["RECEIPTD_NOTIFY_TOPIC"] ?? "im.receipt.notify",
            deadLetterTopic: env["RECEIPTD_DLQ_TOPIC"] ?? "im.receipt.events.dlq")
        let worker = try NaiveWorker(configuration: configuration)
        StopOnSignal.install()
        try worker.run(until: StopOnSignal.flag)
    }
}

/// SIGTERM and SIGINT set a flag the naive worker checks between events.
enum StopOnSignal {
    static let flag = Atomic<Bool>(false)

    static func install() {
        signal(SIGTERM) { _ in StopOnSignal.flag.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in StopOnSignal.flag.store(true, ordering: .relaxed) }
    }
}
