import ReceiptCore
import ReceiptPipeline
import ReceiptRedis

/// Inputs for the micro-benchmarks (the `Benchmarks/` package): records of the
/// default mix, decoded events, a batch, its snapshots and notifications.
public struct MicroFixtures: Sendable {
    /// Record values as the generator produces them, default mix, one batch worth.
    public let records: [[UInt8]]
    public let events: [ReceiptEvent]
    public let queries: [ConversationQuery]
    /// Snapshots as Redis would answer the batch's read round trip.
    public let snapshots: [IDKey: ConversationSnapshot]
    public let notifications: [Notification]

    /// A batch of `batchSize` records (receiptd's default batch is 5,000).
    public init(batchSize: Int = 5_000, mix: LoadMix = LoadMix()) {
        var generator = LoadGenerator(mix: mix, runTag: "micro")
        records = (0..<batchSize).map { _ in generator.next(sendTimeMs: 1_700_000_000_000).value }
        let decoder = EventDecoder()
        events = records.compactMap { try? decoder.decode($0).get() }
        queries = BatchQueries.make(for: events)
        var snapshots: [IDKey: ConversationSnapshot] = [:]
        for query in queries {
            var snapshot = ConversationSnapshot(maxSeq: 100)
            snapshot.allocatedSeqs = query.allocations.indices.map { 101 + Int64($0) }
            snapshots[IDKey(query.conversationID)] = snapshot
        }
        self.snapshots = snapshots
        notifications = BatchApplier().apply(events, snapshots: snapshots).notifications
    }
}

/// The Redis commands of a batch's two round trips, exactly as the worker builds
/// them (`BatchCommands` in ReceiptPipeline).
public enum BatchPipeline {
    static let commands = BatchCommands()

    /// The read round trip.
    public static func readCommands(_ queries: [ConversationQuery], epoch: String = "e1") -> [RedisCommand] {
        commands.read(queries, epoch: epoch)
    }

    /// The write round trip.
    public static func writeCommands(_ writes: [WatermarkWrites]) -> [RedisCommand] {
        commands.write(writes)
    }
}
