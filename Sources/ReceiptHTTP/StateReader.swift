import ReceiptCore
import Logging
import ReceiptRedis
import Synchronization

/// Reads receipt state for the query API: Redis first (hot state), PostgreSQL when
/// Redis does not hold the conversation.
///
/// hiredis and libpq block, and their connections are not thread-safe, so the reader
/// runs a small fixed set of `ReaderThread`s, each owning one Redis and one PostgreSQL
/// connection (connected lazily, replaced when broken); requests are spread over them
/// round-robin. Redis answers may be ahead of PostgreSQL by one flush interval.
///
/// A store that is down is reported as `StateReadError` (503), never hidden by a
/// stale answer from the other store. The threads end when the reader is freed.
public final class StateReader: StateReading {
    private let threads: [ReaderThread]
    private let next = Atomic<Int>(0)

    /// - Parameters:
    ///   - postgresURL: a libpq URI; `connect_timeout=5` is added when it sets none.
    ///   - threadCount: reader threads, each with its own two connections. Default: 2.
    ///   - redisTimeoutMs: bounds each Redis connect, read and write. Default: 2000.
    ///   - acknowledgedBy: the status of the worker in this process; Redis answers
    ///     only while it holds what that worker acknowledged (`RedisRollbackGuard`).
    ///     nil: no check, for a reader without a worker (tests of the routes).
    ///   - clusterSeeds: seed nodes of a Redis Cluster; empty for the single Redis at
    ///     `redis`. Default: empty.
    public init(redis: RedisEndpoint, clusterSeeds: [RedisEndpoint] = [], postgresURL: String, threadCount: Int = 2,
                redisTimeoutMs: Int = 2000, acknowledgedBy status: WorkerStatus?, logger: Logger) {
        precondition(threadCount > 0, "a StateReader needs at least one thread")
        let postgresURL = withConnectTimeout(postgresURL)
        threads = (0..<threadCount).map { index in
            ReaderThread(name: "state-reader-\(index)") {
                StateConnections(redis: clusterSeeds.isEmpty ? .single(redis) : .cluster(seeds: clusterSeeds),
                                 redisTimeoutMs: redisTimeoutMs, postgresURL: postgresURL,
                                 rollbackGuard: status.map { RedisRollbackGuard(status: $0, cluster: !clusterSeeds.isEmpty) },
                                 logger: logger)
            }
        }
    }

    deinit {
        for thread in threads { thread.stop() }
    }

    public func readStates(userID: String, conversationIDs: [String]) async throws -> [IDKey: ReadState] {
        try await onReaderThread { try $0.readStates(userID: userID, conversationIDs: conversationIDs) }
    }

    public func maxSeq(conversationID: String) async throws -> Int64 {
        try await onReaderThread { try $0.maxSeq(conversationID: conversationID) }
    }

    public func readCount(conversationID: String, seq: Int64) async throws -> Int64 {
        try await onReaderThread { try $0.readCount(conversationID: conversationID, seq: seq) }
    }

    public func readers(
        conversationID: String, seq: Int64, limit: Int, after cursor: ReadersCursor?
    ) async throws -> ReadersPage {
        try await onReaderThread { try $0.readers(conversationID: conversationID, seq: seq, limit: limit, after: cursor) }
    }

    public func deliveryState(userID: String, conversationID: String) async throws -> DeliveryState {
        try await onReaderThread { try $0.deliveryState(userID: userID, conversationID: conversationID) }
    }

    private func onReaderThread<T: Sendable>(_ body: @escaping @Sendable (StateConnections) throws -> T) async throws -> T {
        let turn = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await threads[Int(turn.magnitude % UInt(threads.count))].run(body)
    }
}

/// `url` with `connect_timeout=5` when it is a URI without one: libpq's default is to
/// wait forever, which would freeze a reader thread behind an unreachable server.
func withConnectTimeout(_ url: String) -> String {
    guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"), !url.contains("connect_timeout=") else { return url }
    return url + (url.contains("?") ? "&" : "?") + "connect_timeout=5"
}
