import Logging
import ReceiptCore
import Synchronization
import ReceiptPipeline
import ReceiptRedis
import TestSupport

/// A real worker (the same service `receiptd run` starts) running against the local
/// stack for the length of one test.
struct RunningWorker {
    let task: Task<Void, any Error>
    private let ended: Ended
    /// What the worker logged last, at info level and above, for failure messages.
    let log: RecentLog

    static func start(topics: TestTopics, group: String = TestStack.uniqueName("group"),
                      redisURL: String? = nil, postgresURL: String? = nil, status: WorkerStatus = WorkerStatus(),
                      adjust: (inout WorkerConfiguration) -> Void = { _ in }) throws -> RunningWorker {
        var configuration = WorkerConfiguration(
            brokers: topics.brokers, redis: try RedisEndpoint(url: redisURL ?? TestStack.redisURL()),
            postgresURL: try postgresURL ?? TestStack.postgresURL())
        configuration.group = group
        configuration.eventsTopic = topics.events
        configuration.notifyTopic = topics.notify
        configuration.deadLetterTopic = topics.deadLetters
        configuration.kafkaProperties = ["session.timeout.ms": "6000", "max.poll.interval.ms": "10000"]
        configuration.flushIntervalMs = 200
        configuration.migrateAtStart = true
        if redisURL == nil { configuration.redisClusterNodes = try TestStack.redisClusterNodes() }
        // Notification conversations read message-level, as `ReferenceModel` expects.
        configuration.applier.exactReadSessionTypes = [SessionType(rawValue: ReferenceModel.exactSessionType)!]
        adjust(&configuration)
        let log = RecentLog()
        let service = ReceiptWorkerService(configuration: configuration, logger: log.logger(label: "receiptd.test"),
                                           status: status)
        let ended = Ended()
        let task = Task {
            defer { ended.mark() }
            try await service.run()
        }
        return RunningWorker(task: task, ended: ended, log: log)
    }

    /// Whether the worker's service has ended (stopped itself, or failed).
    var hasEnded: Bool { ended.isSet }

    /// Waits until the worker owns partitions (it logged an assignment).
    func waitUntilAssigned(timeout: Duration = .seconds(90)) async throws {
        try await waitUntil("the worker to be assigned partitions", timeout: timeout) {
            log.hasLogged("partitions assigned")
        }
    }

    /// Asks the worker to stop (finish, drain, commit, leave the group) and waits.
    func stop() async throws {
        task.cancel()
        try await task.value
    }
}

/// Set once the worker's service has ended.
private final class Ended: Sendable {
    private let flag = Atomic<Bool>(false)
    func mark() { flag.store(true, ordering: .releasing) }
    var isSet: Bool { flag.load(ordering: .acquiring) }
}
