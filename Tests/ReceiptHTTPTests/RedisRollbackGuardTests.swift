import Logging
import ReceiptCore
import ReceiptRedis
import Testing
import TestSupport

@testable import ReceiptHTTP

/// The query API beside a worker answers from Redis only while Redis holds what the
/// worker acknowledged (`RedisRollbackGuard`): the sentinel's epoch and the worker's
/// write position. The sentinel is one key for the whole Redis, so these tests use
/// a database of their own (9), one test at a time.
@Suite(.serialized) struct RedisRollbackGuardTests {
    private static let database = 9
    private let writer = uniqueID("w")

    @Test func answersWhileRedisHoldsTheAcknowledgedEpochAndPosition() async throws {
        try await withGuardedReader(sentinel: "e1", position: 7, acknowledged: 7) { reader, conversation, _ in
            try await withServer(reader: reader) { client async throws in
                let response = try await get(client, "/v1/conversations/\(conversation)/seq")
                #expect(response.status == .ok, "\(response.json)")
                #expect(int64s(response.json)["maxSeq"] == 5)
            }
        }
        // Ahead of what it acknowledged: the worker has written since.
        try await withGuardedReader(sentinel: "e1", position: 9, acknowledged: 7) { reader, conversation, _ in
            let maxSeq = try await reader.maxSeq(conversationID: conversation)
            #expect(maxSeq == 5)
        }
    }

    @Test func aPositionBelowTheAcknowledgedOneIsARollback() async throws {
        try await withGuardedReader(sentinel: "e1", position: 6, acknowledged: 7) { reader, conversation, _ in
            try await withServer(reader: reader) { client async throws in
                let response = try await get(client, "/v1/conversations/\(conversation)/seq")
                #expect(response.status == .serviceUnavailable)
                #expect(response.json["error"] as? String == "recovering")
                #expect(response.json["dependency"] as? String == "redis")
            }
            let error = await #expect(throws: StateReadError.self) {
                try await reader.readStates(userID: "u", conversationIDs: [conversation])
            }
            #expect(error?.isRecovering == true)
            #expect(error?.detail.contains("write position 6, below the 7") == true)
        }
    }

    @Test func aSentinelMarkedRolledBackOrGoneOrNewAnswersNothing() async throws {
        for sentinel in [RedisKeys.rolledBack, nil, "e2"] {
            try await withGuardedReader(sentinel: sentinel, position: 7, acknowledged: 7) { reader, conversation, _ in
                // Not even PostgreSQL's answer: it may be older than what was announced.
                let error = await #expect(throws: StateReadError.self) {
                    try await reader.deliveryState(userID: "u", conversationID: conversation)
                }
                #expect(error?.isRecovering == true, "sentinel \(sentinel ?? "gone")")
            }
        }
    }

    @Test func nothingIsAnsweredBeforeTheWorkerFoundRedisWhole() async throws {
        try await withGuardedReader(sentinel: "e1", position: 7, acknowledged: nil) { reader, conversation, _ in
            let error = await #expect(throws: StateReadError.self) { try await reader.maxSeq(conversationID: conversation) }
            #expect(error?.isRecovering == true)
        }
    }

    @Test func aReadRedisRefusesInsideTheCheckIsA500() async throws {
        try await withGuardedReader(sentinel: "e1", position: 7, acknowledged: 7) { reader, conversation, redis in
            try await redis([.del("rcpt:{\(conversation)}:seq"), zadd("rcpt:{\(conversation)}:seq", ["x": 1])])
            try await withServer(reader: reader) { client async throws in
                let response = try await get(client, "/v1/conversations/\(conversation)/seq")
                #expect(response.status == .internalServerError)
                #expect(response.json["dependency"] as? String == "redis")
            }
        }
    }

    @Test("on a Redis Cluster each slot's own sentinel and write position are checked: a slot that went back answers recovering, the others answer")
    func onAClusterEachSlotIsCheckedOnItsOwn() async throws {
        try await withStores { stores in
            let nodes = try await onOwnThread { try RedisClusterNodes() }
            let seeds = nodes.servers.map(\.endpoint)
            let (behind, intact) = (uniqueID("c"), uniqueID("c"))
            let (slotBehind, slotIntact) = (RedisHashSlot.of(RedisKeys.tag(behind).utf8),
                                            RedisHashSlot.of(RedisKeys.tag(intact).utf8))
            try #require(slotBehind != slotIntact)
            try await onOwnThread {
                let client = RedisClient(.cluster(seeds: seeds), timeoutMs: 5_000)
                var commands: [RedisCommand] = []
                for (cid, slot, position) in [(behind, slotBehind, 6), (intact, slotIntact, 9)] {
                    commands += [.set(RedisKeys.slotSentinel(slot), "e1"),
                                 .set(RedisKeys.slotWriter(slot, writer), String(position)),
                                 .set("rcpt:{\(cid)}:seq", "5")]
                }
                for reply in try client.pipeline(commands) { _ = try reply.get() }
            }
            let status = WorkerStatus()
            status.update {
                $0.redisAcknowledgement = RedisAcknowledgement(writerID: writer, epoch: "e1", position: 0,
                                                               slotPositions: [slotBehind: 7, slotIntact: 7])
            }
            let reader = StateReader(redis: seeds[0], clusterSeeds: seeds, postgresURL: stores.postgresURL,
                                     redisTimeoutMs: 10_000, acknowledgedBy: status,
                                     logger: Logger(label: "receiptd-http-test"))
            #expect(try await reader.maxSeq(conversationID: intact) == 5)
            let error = await #expect(throws: StateReadError.self) { try await reader.maxSeq(conversationID: behind) }
            #expect(error?.isRecovering == true)
            #expect(error?.detail.contains("write position 6 in slot \(slotBehind), below the 7") == true,
                    "\(error?.detail ?? "")")
            // A slot this process never wrote: only its sentinel is checked.
            let other = uniqueID("c")
            let slotOther = RedisHashSlot.of(RedisKeys.tag(other).utf8)
            try await onOwnThread {
                let client = RedisClient(.cluster(seeds: seeds), timeoutMs: 5_000)
                for reply in try client.pipeline([.set(RedisKeys.slotSentinel(slotOther), "e1"),
                                                  .set("rcpt:{\(other)}:seq", "3")]) { _ = try reply.get() }
            }
            #expect(try await reader.maxSeq(conversationID: other) == 3)
        }
    }

    /// A reader guarded by a worker status that acknowledged (`acknowledged`, nil: not
    /// yet) this test's writer at epoch "e1", over database 9 holding `sentinel` (nil:
    /// none), the writer at `position`, and one conversation with maxSeq 5.
    private func withGuardedReader(
        sentinel: String?, position: Int64, acknowledged: Int64?,
        _ body: (StateReader, String, @escaping @Sendable ([RedisCommand]) async throws -> Void) async throws -> Void
    ) async throws {
        try await withStores { stores in
            var endpoint = stores.redisEndpoint
            endpoint.database = Self.database
            let redis: @Sendable ([RedisCommand]) async throws -> Void = { [endpoint] commands in
                try await onOwnThread {
                    let connection = try RedisConnection.connect(endpoint, timeoutMs: 5_000)
                    for reply in try connection.pipeline(commands) { _ = try reply.get() }
                }
            }
            let conversation = uniqueID("c")
            try await redis([
                .del(RedisKeys.sentinel), .set(RedisKeys.writer(writer), String(position)),
                .set("rcpt:{\(conversation)}:seq", "5"),
            ] + (sentinel.map { [.set(RedisKeys.sentinel, $0)] } ?? []))
            try await stores.sql("INSERT INTO conversation_seq VALUES ('\(conversation)', 9)")
            let status = WorkerStatus()
            if let acknowledged {
                status.update {
                    $0.redisAcknowledgement = RedisAcknowledgement(writerID: writer, epoch: "e1", position: acknowledged)
                }
            }
            // The guard's verdicts are under test, not timeouts: a full run on two
            // cores once took over 2 s (the default) to answer the first read.
            let reader = StateReader(redis: endpoint, postgresURL: stores.postgresURL, redisTimeoutMs: 10_000,
                                     acknowledgedBy: status, logger: Logger(label: "receiptd-http-test"))
            try await body(reader, conversation, redis)
        }
    }
}
