import ReceiptCore
import ReceiptRedis

/// Inputs for the micro-benchmarks (the `Benchmarks/` package): records of the
/// default mix, decoded events, a batch, its snapshots and notifications.
public struct MicroFixtures: Sendable {
    /// Record values as the generator produces them, default mix, one batch worth.
    public let records: [[UInt8]]
    public let events: [ReceiptEvent]
    public let queries: [ConversationQuery]
    /// Snapshots as Redis would answer the batch's read round trip.
    public let snapshots: [String: ConversationSnapshot]
    public let notifications: [Notification]

    /// A batch of `batchSize` records (receiptd's default batch is 5,000).
    public init(batchSize: Int = 5_000, mix: LoadMix = LoadMix()) {
        var generator = LoadGenerator(mix: mix, runTag: "micro")
        records = (0..<batchSize).map { _ in generator.next(sendTimeMs: 1_700_000_000_000).value }
        let decoder = EventDecoder()
        events = records.compactMap { try? decoder.decode($0).get() }
        queries = BatchQueries.make(for: events)
        var snapshots: [String: ConversationSnapshot] = [:]
        for query in queries {
            var snapshot = ConversationSnapshot(maxSeq: 100)
            snapshot.allocatedSeqs = query.allocations.indices.map { 101 + Int64($0) }
            snapshots[query.conversationID] = snapshot
        }
        self.snapshots = snapshots
        notifications = BatchApplier().apply(events, snapshots: snapshots).notifications
    }
}

/// The Redis commands of a batch's two round trips, built as `RedisStateStore` in
/// ReceiptPipeline builds them (that type is internal to the worker; keep this in
/// step with `RedisStateStore.read` and `.write`).
public enum BatchPipeline {
    public static let allocationScript = RedisScript(CeilingScripts.allocation)

    /// The read round trip: sentinel, GET maxSeq, ZMSCORE readers, the allocation
    /// script per conversation with new messages, sentinel.
    public static func readCommands(_ queries: [ConversationQuery], epoch: String = "e1",
                                    clientMessageTTLSeconds: Int = 86_400) -> [RedisCommand] {
        let sentinel = "rcpt:sentinel"
        var commands: [RedisCommand] = [.get(sentinel)]
        commands.reserveCapacity(queries.count * 2 + 2)
        for query in queries {
            let cid = query.conversationID
            if query.needsMaxSeq { commands.append(.get(NaiveKeys.maxSeq(cid))) }
            if !query.readers.isEmpty { commands.append(.zmscore(NaiveKeys.readWatermarks(cid), query.readers)) }
            if !query.allocations.isEmpty {
                var keys = [NaiveKeys.maxSeq(cid), sentinel]
                keys.reserveCapacity(query.allocations.count + 2)
                for allocation in query.allocations { keys.append(NaiveKeys.clientMessage(cid, allocation.clientMsgID)) }
                commands.append(.evalsha(allocationScript, keys: keys, args: [String(clientMessageTTLSeconds), epoch]))
            }
        }
        commands.append(.get(sentinel))
        return commands
    }

    /// The write round trip: one ZADD GT CH per conversation whose watermarks moved.
    public static func writeCommands(_ writes: [WatermarkWrites]) -> [RedisCommand] {
        writes.map { write in
            .zadd(NaiveKeys.readWatermarks(write.conversationID), greaterThan: true, changed: true,
                  write.hasReadSeqs.map { (score: $0.hasReadSeq, member: $0.userID) })
        }
    }
}
