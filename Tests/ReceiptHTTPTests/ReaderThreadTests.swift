import Foundation
import Logging
import ReceiptPostgres
import ReceiptRedis
import Testing
import TestSupport

@testable import ReceiptHTTP

/// The reader's threads and connections, against the real stores.
@Suite struct ReaderThreadTests {
    func readerThread(_ stores: TestStores) -> ReaderThread {
        let (redis, url) = (stores.redisEndpoint, stores.postgresURL)
        return ReaderThread(name: "reader-test") {
            StateConnections(redis: redis, redisTimeoutMs: 2_000, postgresURL: url, logger: Logger(label: "test"))
        }
    }

    @Test func jobsRunInOrderOnTheReadersOwnThread() async throws {
        try await withStores { stores in
            let thread = readerThread(stores)
            defer { thread.stop() }
            let names = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<8 { group.addTask { try await thread.run { _ in Thread.current.name } } }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(names == ["reader-test"])
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
            let first = try await thread.run { try $0.postgresQuery("SELECT pg_backend_pid() AS pid", [])[0].values[0] }
            try await stores.sql("SELECT pg_terminate_backend(\(try #require(first)))")
            let second = try await thread.run { try $0.postgresQuery("SELECT pg_backend_pid() AS pid", [])[0].values[0] }
            #expect(second != nil && second != first)
        }
    }
}
