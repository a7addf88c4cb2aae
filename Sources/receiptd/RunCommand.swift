import Foundation
import ArgumentParser
import Logging
import Metrics
import Prometheus
import ReceiptCore
import ReceiptHTTP
import ReceiptPipeline
import ReceiptRedis

/// `receiptd run`: the worker. Every setting has a flag and an environment
/// variable; the flag wins.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the worker: consume events, apply them, publish notifications.")

    @Option(help: "Kafka bootstrap servers, host:port[,host:port]. Env: RECEIPTD_BROKERS. Required.")
    var brokers: String?
    @Option(help: "Consumer group shared by all replicas. Env: RECEIPTD_GROUP. Default: receiptd.")
    var group: String?
    @Option(help: "Topic of incoming events. Env: RECEIPTD_EVENTS_TOPIC. Default: im.receipt.events.")
    var eventsTopic: String?
    @Option(help: "Topic of receipt notifications. Env: RECEIPTD_NOTIFY_TOPIC. Default: im.receipt.notify.")
    var notifyTopic: String?
    @Option(help: "Dead-letter topic for refused events. Env: RECEIPTD_DLQ_TOPIC. Default: im.receipt.events.dlq.")
    var dlqTopic: String?
    @Option(help: "Redis, redis://[:password@]host:port/db. Env: RECEIPTD_REDIS_URL. Default: redis://127.0.0.1:6379/0.")
    var redisURL: String?
    @Option(help: "PostgreSQL, a libpq connection URI. Env: RECEIPTD_POSTGRES_URL. Required.")
    var postgresURL: String?
    @Flag(help: "Run against a Redis whose maxmemory-policy can evict keys (evicted counters repeat seqs). Env: RECEIPTD_ALLOW_EVICTING_REDIS=true. Default: off (refused).")
    var allowEvictingRedis = false
    @Flag(help: "Announce every read, ack or private read that changes nothing, as a possible replay, not only those below the partition's replay horizon (README, Guarantees). Env: RECEIPTD_ANNOUNCE_REPEATS=true. Default: off.")
    var announceRepeats = false
    @Flag(help: "Apply pending PostgreSQL migrations at start. Env: RECEIPTD_MIGRATE=true. Default: off (a schema that is not current stops the worker).")
    var migrate = false
    @Option(help: "Port of the HTTP server (health, metrics, queries). Env: RECEIPTD_HTTP_PORT. Default: 8080.")
    var httpPort: String?
    @Option(help: "Address the HTTP server listens on. Env: RECEIPTD_HTTP_HOST. Default: 0.0.0.0.")
    var httpHost: String?
    @Option(help: "Bearer token required by the /v1/ query API (health and metrics stay open). Env: RECEIPTD_API_TOKEN. Default: none.")
    var apiToken: String?
    @Option(help: "A file holding the API token, as Kubernetes mounts a secret (one trailing newline is ignored). Env: RECEIPTD_API_TOKEN_FILE. Default: none.")
    var apiTokenFile: String?
    @Option(help: "Most records in one batch. Env: RECEIPTD_BATCH_SIZE. Default: 10000.")
    var batchSize: String?
    @Option(help: "Longest wait of one poll, in ms. Env: RECEIPTD_POLL_TIMEOUT_MS. Default: 100.")
    var pollTimeoutMs: String?
    @Option(help: "Interval between flushes of state and checkpoints to PostgreSQL, in ms. Env: RECEIPTD_FLUSH_INTERVAL_MS. Default: 1000.")
    var flushIntervalMs: String?
    @Option(help: "Unflushed rows at which consumption pauses until PostgreSQL catches up. Env: RECEIPTD_MAX_UNFLUSHED_ROWS. Default: 500000.")
    var maxUnflushedRows: String?
    @Option(help: "Unflushed state in MiB (IDs, marks, a fixed cost per row) at which consumption pauses the same way. Env: RECEIPTD_MAX_UNFLUSHED_MIB. Default: 64.")
    var maxUnflushedMiB: String?
    @Option(help: "The most marks (read or delivery acks above a watermark) one batch reads back from Redis, in MiB at 128 bytes a mark; a batch over it is cut and read in parts. Env: RECEIPTD_MAX_MARKS_READ_MIB. Default: 32.")
    var maxMarksReadMiB: String?
    @Option(help: "Redis Cluster seed nodes, host:port,host:port; selects cluster mode (the password of --redis-url applies). Env: RECEIPTD_REDIS_CLUSTER_NODES. Default: none (a single Redis).")
    var redisClusterNodes: String?
    @Option(help: "Redis replicas that must hold each round trip's writes (WAIT) before its seqs and watermarks are announced; 0 for none. Env: RECEIPTD_REDIS_WAIT_REPLICAS. Default: 0.")
    var redisWaitReplicas: String?
    @Option(help: "How long one WAIT for replicas waits before the round trip is retried. Env: RECEIPTD_REDIS_WAIT_TIMEOUT_MS. Default: 1000.")
    var redisWaitTimeoutMs: String?
    @Option(help: "Unacknowledged notifications before polling pauses. Env: RECEIPTD_MAX_IN_FLIGHT. Default: 100000.")
    var maxInFlight: String?
    @Option(help: "Seconds PostgreSQL keeps a clientMsgID's seq, to restore de-duplication after Redis lost its data. Env: RECEIPTD_CLIENT_MSG_TTL_SECONDS. Default: 86400.")
    var clientMsgTTLSeconds: String?
    @Option(help: "A conversation's latest seqs whose clientMsgIDs Redis keeps for de-duplication. Env: RECEIPTD_CLIENT_MSG_WINDOW. Default: 10000.")
    var clientMsgWindow: String?
    @Option(help: "Seconds a stopping worker may take before it is cancelled. Env: RECEIPTD_SHUTDOWN_TIMEOUT_SECONDS. Default: 30.")
    var shutdownTimeoutSeconds: String?
    @Option(help: "Session types under message-level (exact) read, comma-separated, e.g. 1,2; the others read conversation-level. Env: RECEIPTD_EXACT_READ_SESSION_TYPES. Default: none.")
    var exactReadSessionTypes: String?
    @Option(help: "Window in which group reads are coalesced into one groupHasRead per group, in ms. Env: RECEIPTD_GROUP_READ_WINDOW_MS. Default: 1000.")
    var groupReadWindowMs: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical. Env: RECEIPTD_LOG_LEVEL. Default: info.")
    var logLevel: String?
    @Option(help: "text or json. Env: RECEIPTD_LOG_FORMAT. Default: text.")
    var logFormat: String?
    @Option(name: .customLong("kafka-property"),
            help: "A librdkafka property, key=value; repeatable. Env: RECEIPTD_KAFKA_<NAME> (RECEIPTD_KAFKA_SESSION_TIMEOUT_MS → session.timeout.ms).")
    var kafkaProperties: [String] = []

    func run() async throws {
        let settings = Settings()
        let resolved: Resolved
        do {
            resolved = try resolve(settings)
        } catch let error as ConfigurationError {
            throw ConfigurationError.exit(error)
        }
        let level = resolved.logLevel
        let json = resolved.jsonLogs
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "receiptd")
        HeapAllocator.logInUse(logger, settings: settings)
        let secondSignal = SecondSignal.exitImmediately()
        defer { secondSignal.cancel() }
        let group = ReceiptApplication.build(
            worker: resolved.worker, http: resolved.http, registry: registry, logger: logger,
            gracefulShutdownTimeout: .seconds(resolved.shutdownSeconds))
        do {
            try await group.run()
        } catch let error as RedisMayEvict {
            throw ConfigurationError.exit(ConfigurationError(error.description))
        }
    }

    struct Resolved {
        var worker: WorkerConfiguration
        var http: HTTPConfiguration
        var logLevel: Logger.Level
        var jsonLogs: Bool
        var shutdownSeconds: Int
    }

    func resolve(_ settings: Settings) throws -> Resolved {
        let brokers = try settings.required(brokers, "RECEIPTD_BROKERS", "--brokers")
        let redisText = settings.string(redisURL, "RECEIPTD_REDIS_URL") ?? "redis://127.0.0.1:6379/0"
        let redis: RedisEndpoint
        do {
            redis = try RedisEndpoint(url: redisText)
        } catch {
            throw ConfigurationError(
                "--redis-url '\(RedisEndpoint.redacted(redisText))' is not a valid redis:// URL: \(error)")
        }
        var configuration = WorkerConfiguration(
            brokers: brokers, redis: redis,
            postgresURL: try settings.required(postgresURL, "RECEIPTD_POSTGRES_URL", "--postgres-url"))
        configuration.migrateAtStart = migrate || settings.string(nil, "RECEIPTD_MIGRATE").map { ["1", "true", "yes"].contains($0.lowercased()) } == true
        configuration.announceRepeats = announceRepeats
            || settings.string(nil, "RECEIPTD_ANNOUNCE_REPEATS").map { ["1", "true", "yes"].contains($0.lowercased()) } == true
        configuration.allowEvictingRedis = allowEvictingRedis
            || settings.string(nil, "RECEIPTD_ALLOW_EVICTING_REDIS").map { ["1", "true", "yes"].contains($0.lowercased()) } == true
        if let value = settings.string(group, "RECEIPTD_GROUP") { configuration.group = value }
        if let value = settings.string(eventsTopic, "RECEIPTD_EVENTS_TOPIC") { configuration.eventsTopic = value }
        if let value = settings.string(notifyTopic, "RECEIPTD_NOTIFY_TOPIC") { configuration.notifyTopic = value }
        if let value = settings.string(dlqTopic, "RECEIPTD_DLQ_TOPIC") { configuration.deadLetterTopic = value }
        var http = HTTPConfiguration()
        http.port = try settings.integer(httpPort, "RECEIPTD_HTTP_PORT", "--http-port", default: http.port, in: 0...65535)
        if let value = settings.string(httpHost, "RECEIPTD_HTTP_HOST") { http.host = value }
        http.bearerToken = try Self.apiToken(
            settings.string(apiToken, "RECEIPTD_API_TOKEN"), file: settings.string(apiTokenFile, "RECEIPTD_API_TOKEN_FILE"))
        configuration.maxBatchRecords = try settings.integer(
            batchSize, "RECEIPTD_BATCH_SIZE", "--batch-size", default: configuration.maxBatchRecords, in: 1...100_000)
        configuration.pollTimeoutMs = Int32(try settings.integer(
            pollTimeoutMs, "RECEIPTD_POLL_TIMEOUT_MS", "--poll-timeout-ms",
            default: Int(configuration.pollTimeoutMs), in: 1...60_000))
        configuration.flushIntervalMs = try settings.integer(
            flushIntervalMs, "RECEIPTD_FLUSH_INTERVAL_MS", "--flush-interval-ms",
            default: configuration.flushIntervalMs, in: 10...3_600_000)
        configuration.maxUnflushedRows = try settings.integer(
            maxUnflushedRows, "RECEIPTD_MAX_UNFLUSHED_ROWS", "--max-unflushed-rows",
            default: configuration.maxUnflushedRows, in: 1_000...100_000_000)
        configuration.maxUnflushedBytes = try settings.integer(
            maxUnflushedMiB, "RECEIPTD_MAX_UNFLUSHED_MIB", "--max-unflushed-mib",
            default: configuration.maxUnflushedBytes >> 20, in: 1...65_536) << 20
        configuration.redisReplicasToWait = try settings.integer(
            redisWaitReplicas, "RECEIPTD_REDIS_WAIT_REPLICAS", "--redis-wait-replicas",
            default: configuration.redisReplicasToWait, in: 0...16)
        configuration.redisReplicaWaitTimeoutMs = try settings.integer(
            redisWaitTimeoutMs, "RECEIPTD_REDIS_WAIT_TIMEOUT_MS", "--redis-wait-timeout-ms",
            default: configuration.redisReplicaWaitTimeoutMs, in: 10...60_000)
        if let nodes = settings.string(redisClusterNodes, "RECEIPTD_REDIS_CLUSTER_NODES") {
            do {
                configuration.redisClusterNodes = try RedisEndpoint.clusterSeeds(nodes, password: redis.password)
            } catch {
                throw ConfigurationError("--redis-cluster-nodes '\(nodes)' is not a list of host:port: \(error.context)")
            }
            guard redis.database == 0 else {
                throw ConfigurationError("--redis-url selects database \(redis.database); a Redis Cluster has only database 0")
            }
        }
        configuration.maxMarksReadBytes = try settings.integer(
            maxMarksReadMiB, "RECEIPTD_MAX_MARKS_READ_MIB", "--max-marks-read-mib",
            default: configuration.maxMarksReadBytes >> 20, in: 1...4_096) << 20
        configuration.maxInFlightNotifications = try settings.integer(
            maxInFlight, "RECEIPTD_MAX_IN_FLIGHT", "--max-in-flight",
            default: configuration.maxInFlightNotifications, in: 1...10_000_000)
        configuration.clientMessageTTLSeconds = try settings.integer(
            clientMsgTTLSeconds, "RECEIPTD_CLIENT_MSG_TTL_SECONDS", "--client-msg-ttl-seconds",
            default: configuration.clientMessageTTLSeconds, in: 60...31_536_000)
        configuration.clientMessageWindow = try settings.integer(
            clientMsgWindow, "RECEIPTD_CLIENT_MSG_WINDOW", "--client-msg-window",
            default: configuration.clientMessageWindow, in: 100...10_000_000)
        configuration.applier.exactReadSessionTypes = try settings.sessionTypes(
            exactReadSessionTypes, "RECEIPTD_EXACT_READ_SESSION_TYPES", "--exact-read-session-types")
        configuration.groupReads.windowMs = Int64(try settings.integer(
            groupReadWindowMs, "RECEIPTD_GROUP_READ_WINDOW_MS", "--group-read-window-ms",
            default: Int(configuration.groupReads.windowMs), in: 1...3_600_000))
        configuration.kafkaProperties = try settings.kafkaProperties(flags: kafkaProperties)
        let shutdown = try settings.integer(
            shutdownTimeoutSeconds, "RECEIPTD_SHUTDOWN_TIMEOUT_SECONDS", "--shutdown-timeout-seconds",
            default: 30, in: 1...3_600)
        let levelText = settings.string(logLevel, "RECEIPTD_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ConfigurationError(
                "--log-level must be one of trace, debug, info, notice, warning, error, critical, got '\(levelText)'")
        }
        let format = (settings.string(logFormat, "RECEIPTD_LOG_FORMAT") ?? "text").lowercased()
        guard format == "text" || format == "json" else {
            throw ConfigurationError("--log-format must be text or json, got '\(format)'")
        }
        return Resolved(worker: configuration, http: http, logLevel: level, jsonLogs: format == "json",
                        shutdownSeconds: shutdown)
    }

    /// The API token, given directly or in a file (a mounted secret); not both.
    static func apiToken(_ token: String?, file: String?) throws -> String? {
        guard let file else { return token }
        guard token == nil else {
            throw ConfigurationError("--api-token and --api-token-file are both set; give the token one way")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError("--api-token-file '\(file)' cannot be read")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty, !text.contains(where: \.isNewline) else {
            throw ConfigurationError("--api-token-file '\(file)' must hold one line, the token")
        }
        return text
    }
}
