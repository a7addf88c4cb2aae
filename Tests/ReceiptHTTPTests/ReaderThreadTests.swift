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
            return StateConnections(redis: redis, redisTimeoutMs: 2_000, postgresURL: url, logger: Logger(label: "test"))
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
