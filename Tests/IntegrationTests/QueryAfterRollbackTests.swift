import Logging
import ReceiptCore
import ReceiptHTTP
import ReceiptRedis
import Testing
import TestSupport

/// The query API beside a worker whose Redis goes back in time: it answers
/// `recovering` until the worker has rebuilt Redis, never a watermark or a maxSeq
/// older than one already announced.
extension RedisRollbackTests {
    @Test("Redis restored to a snapshot older than what was announced: the query API answers recovering, never an older watermark")
    func queryAPINeverAnswersOlderThanAnnounced() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        let stack = try await onOwnThread { try PrivateStack() }
        defer { stack.stop() }
        let topics = try TestTopics.create(brokers: stack.brokers)
        let group = TestStack.uniqueName("api")
        let log = EventLog.random(seed: seed, count: 1_500, conversations: 9, prefix: TestStack.uniqueName("q"))
        let driver = StreamDriver(topics: topics, group: group, postgresURL: stack.postgresURL)
        let status = WorkerStatus()
        let worker = try RunningWorker.start(topics: topics, group: group, redisURL: stack.redisURL,
                                             postgresURL: stack.postgresURL, status: status)
        let reader = StateReader(redis: try RedisEndpoint(url: stack.redisURL), postgresURL: stack.postgresURL,
                                 acknowledgedBy: status, logger: Logger(label: "receiptd.test.api"))
        let half = log.entries.count / 2
        try await onOwnThread { try driver.produce(log, range: 0..<half, chunks: 5, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(half, workers: [worker])
        let snapshot = try await onOwnThread { try RedisSnapshot.take(url: stack.redisURL) }
        try await onOwnThread { try driver.produce(log, range: half..<log.entries.count, chunks: 5, pauseMs: 50) }
        try await driver.waitUntilCheckpointed(log.entries.count, workers: [worker])

        // Everything is announced and checkpointed: the API answers the model's state.
        let announced = AnnouncedState(log.model)
        #expect(try await announced.differences(reader).isEmpty)

        try await onOwnThread { try snapshot.restore(url: stack.redisURL) }
        var recovering = 0
        var older: [String] = []
        let deadline = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < deadline {
            do {
                older += try await announced.differences(reader)
            } catch let error as StateReadError where error.isRecovering {
                recovering += 1
            }
        }
        let olderAnswers = older.count  // not the whole list: without the check it runs to thousands
        #expect(olderAnswers == 0, "seed \(seed): answered older than announced: \(older.prefix(6))")
        // The worker rebuilt Redis, and the API answers the whole state again.
        try await waitUntil("the API to answer again", timeout: .seconds(60)) {
            (try? await announced.differences(reader).isEmpty) == true
        }
        try await worker.stop()
        print("query API after the restore: \(recovering) recovering answers, then the whole state")
    }
}

/// Every read watermark and maxSeq the model announced, and the API's answers
/// compared with them.
private struct AnnouncedState {
    let conversations: [String]
    let users: [String]
    let model: ReferenceModel

    init(_ model: ReferenceModel) {
        self.model = model
        conversations = model.maxSeq.keys.sorted()
        users = Set(model.hasReadSeq.values.flatMap(\.keys) + model.privateReadSeq.values.flatMap(\.keys)).sorted()
    }

    /// Where the API's answer is not the model's: one line per value, empty when none.
    func differences(_ reader: StateReader) async throws -> [String] {
        var lines: [String] = []
        for user in users {
            let states = try await reader.readStates(userID: user, conversationIDs: conversations)
            for conversation in conversations {
                let state = states[IDKey(conversation)] ?? ReadState(hasReadSeq: 0, maxSeq: 0)
                // The user's own position: private reads included.
                let read = max(model.hasReadSeq[conversation]?[user] ?? 0, model.privateReadSeq[conversation]?[user] ?? 0)
                let maxSeq = model.maxSeq[conversation] ?? 0
                if state.hasReadSeq != read { lines.append("\(conversation) \(user) read \(state.hasReadSeq), not \(read)") }
                if state.maxSeq != maxSeq { lines.append("\(conversation) maxSeq \(state.maxSeq), not \(maxSeq)") }
            }
        }
        return lines
    }
}
