import Logging
import ReceiptPostgres
import ReceiptRedis

/// One Redis and one PostgreSQL connection, owned by one `ReaderThread`. Not
/// thread-safe (neither are the connections) and deliberately not `Sendable`.
///
/// Each is opened on first use and dropped when broken. A call that fails with a
/// retriable error on a connection that broke is retried once on a fresh one (the
/// server may have restarted since the last request); reads are idempotent.
final class StateConnections {
    private let redisEndpoint: RedisEndpoint
    private let redisTimeoutMs: Int
    private let postgresURL: String
    private let logger: Logger
    private var redis: RedisConnection?
    private var postgres: PostgresConnection?

    init(redis: RedisEndpoint, redisTimeoutMs: Int, postgresURL: String, logger: Logger) {
        self.redisEndpoint = redis
        self.redisTimeoutMs = redisTimeoutMs
        self.postgresURL = postgresURL
        self.logger = logger
    }

    /// Replies in command order; an error reply to any command throws (not unavailable).
    func redisPipeline(_ commands: [RedisCommand]) throws(StateReadError) -> [RedisReply] {
        for attempt in 1...2 {
            let reusing = redis != nil
            do throws(RedisError) {
                let connection = try openRedis()
                let replies = try connection.pipeline(commands)
                if connection.isBroken { redis = nil }
                return try replies.map { result throws(RedisError) in try result.get() }
            } catch {
                if redis?.isBroken == true { redis = nil }
                if attempt == 1, reusing, error.isRetriable, redis == nil { continue }
                logger.debug("redis read failed", metadata: ["error": "\(error)"])
                throw StateReadError(.redis, isUnavailable: error.isRetriable, detail: error.description)
            }
        }
        fatalError("unreachable: the second attempt returns or throws")
    }

    /// `body` on the PostgreSQL connection. An error that is not retriable (a value
    /// of the wrong shape among them) is not "unavailable" (500).
    func postgres<T>(_ body: (PostgresConnection) throws(PostgresError) -> T) throws(StateReadError) -> T {
        for attempt in 1...2 {
            let reusing = postgres != nil
            do throws(PostgresError) {
                let connection = try openPostgres()
                return try body(connection)
            } catch {
                if postgres?.isBroken == true { postgres = nil }
                if attempt == 1, reusing, error.isRetriable, postgres == nil { continue }
                logger.debug("postgres read failed", metadata: ["error": "\(error)"])
                throw StateReadError(.postgres, isUnavailable: error.isRetriable, detail: error.description)
            }
        }
        fatalError("unreachable: the second attempt returns or throws")
    }

    private func openRedis() throws(RedisError) -> RedisConnection {
        if let redis { return redis }
        let connection = try RedisConnection.connect(redisEndpoint, timeoutMs: redisTimeoutMs)
        redis = connection
        return connection
    }

    private func openPostgres() throws(PostgresError) -> PostgresConnection {
        if let postgres { return postgres }
        let connection = try PostgresConnection.connect(url: postgresURL)
        postgres = connection
        return connection
    }
}
