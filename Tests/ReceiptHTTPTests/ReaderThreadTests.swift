import Foundation
import Synchronization
import Logging
import ReceiptPostgres
import ReceiptRedis
import Testing
import TestSupport

@testable import ReceiptHTTP

/// The reader's threads and connections, against the real stores.
@Suite struct ReaderThreadTests {
    /// A reader thread; `owner` receives the thread that made the connections.
    func readerThread(_ stores: TestStores, owner: OwningThread? = nil) -> ReaderThread {
        let (redis, url) = (stores.redisEndpoint, stores.postgresURL)
        return ReaderThread(name: "reader-test") { [owner] in
            owner?.thread.withLock { $0 = pthread_self() }
            return StateConnections(redis: .single(redis), redisTimeoutMs: 2_000, postgresURL: url, logger: Logger(label: "test"))
        }
    }

    @Test func jobsRunOnTheThreadThatOwnsTheConnections() async throws {
        try await withStores { stores in
            let owner = OwningThread()
            let thread = readerThread(stores, owner: owner)
            defer { thread.stop() }
            let runners = try await withThrowingTaskGroup(of: pthread_t.self) { group in
                for _ in 0..<8 { group.addTask { try await thread.run { _ in pthread_self() } } }
                return try await group.reduce(into: Set<pthread_t>()) { $0.insert($1) }
            }
            let ownerThread = try #require(owner.thread.withLock { $0 })
            #expect(runners == [ownerThread])
            #expect(!runners.contains(pthread_self()))
            await #expect(throws: StateReadError.self) {
                try await thread.run { try $0.redisPipeline([RedisCommand(["NO-SUCH-COMMAND"])]) }
            }
        }
    }

    @Test("a full queue answers at once with ReaderBusy instead of queueing without bound")
    func aFullQueueRefusesAtOnce() async throws {
        let thread = ReaderThread(name: "busy-test", maxQueued: 1) {
            StateConnections(redis: .single(try! RedisEndpoint(url: "redis://127.0.0.1:1/0")), redisTimeoutMs: 100,
                             postgresURL: "postgresql://nobody@127.0.0.1:1/none", logger: Logger(label: "test"))
        }
        defer { thread.stop() }
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        async let running: Void = thread.run { _ in
            started.signal()
            release.wait()
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                started.wait()
                continuation.resume()
            }
        }
        async let waiting: Int = thread.run { _ in 2 }  // queued: the one place there is
        let deadline = ContinuousClock.now + .seconds(5)
        while thread.queuedJobs < 1, ContinuousClock.now < deadline { await Task.yield() }
        #expect(thread.queuedJobs == 1)
        await #expect(throws: ReaderBusy.self) { try await thread.run { _ in 3 } }
        release.signal()
        try await running
        #expect(try await waiting == 2, "what was queued still runs")
    }

    @Test("a PostgreSQL query of the API is cancelled at the statement timeout, not left to hold the thread")
    func statementTimeoutBoundsAQuery() async throws {
        try await withStores { stores in
            let (redis, url) = (stores.redisEndpoint, stores.postgresURL)
            let thread = ReaderThread(name: "timeout-test") {
                StateConnections(redis: .single(redis), redisTimeoutMs: 2_000, postgresURL: url, statementTimeoutMs: 300,
                                 logger: Logger(label: "test"))
            }
            defer { thread.stop() }
            // Connected first, so only the query is timed: on a loaded machine
            // connecting alone has taken many seconds.
            _ = try await thread.run { connections in
                try connections.postgres { connection throws(PostgresError) in try connection.query("SELECT 1") }
            }
            let error = await #expect(throws: StateReadError.self) {
                try await thread.run { connections in
                    try connections.postgres { connection throws(PostgresError) in
                        try connection.query("SELECT pg_sleep(60)")
                    }
                }
            }
            // The server cancelled it at the statement timeout (SQLSTATE 57014,
            // query_canceled), not at the end of the sleep. Asserted by its cause, not
            // a wall clock: a loaded CI machine took 27 s and 42 s to report it.
            #expect(error?.detail.contains("SQLSTATE 57014") == true, "\(error.map(String.init(describing:)) ?? "none")")
        }
    }

    @Test func aKilledRedisConnectionIsReplacedOnTheNextRead() async throws {
        try await withStores { stores in
            let thread = readerThread(stores)
            defer { thread.stop() }
            let first = try await thread.run { try $0.redisPipeline([RedisCommand(["CLIENT", "ID"])])[0].int64 }
            try await stores.redis([RedisCommand(["CLIENT", "KILL", "ID", String(try #require(first))])])
            let second = try await thread.run { try $0.redisPipeline([RedisCommand(["CLIENT", "ID"])])[0].int64 }
            #expect(second != nil && second != first)
        }
    }

    @Test func aTerminatedPostgresConnectionIsReplacedOnTheNextRead() async throws {
        try await withStores { stores in
            let thread = readerThread(stores)
            defer { thread.stop() }
            let first = try await thread.run { try $0.postgres { connection throws(PostgresError) in try connection.query("SELECT pg_backend_pid() AS pid")[0].values[0] } }
            try await stores.sql("SELECT pg_terminate_backend(\(try #require(first)))")
            let second = try await thread.run { try $0.postgres { connection throws(PostgresError) in try connection.query("SELECT pg_backend_pid() AS pid")[0].values[0] } }
            #expect(second != nil && second != first)
        }
    }
}

/// The thread that created a reader's connections.
final class OwningThread: Sendable {
    let thread = Mutex<pthread_t?>(nil)
}
