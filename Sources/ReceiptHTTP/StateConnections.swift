import Logging
import ReceiptPostgres
import ReceiptRedis
import ReceiptThreads

/// One Redis and one PostgreSQL connection, owned by one `ReaderThread`. Not
/// thread-safe (neither are the connections) and deliberately not `Sendable`.
///
/// Each is opened on first use and dropped when broken. A call that fails with a
/// retriable error on a connection that broke is retried once on a fresh one (the
/// server may have restarted since the last request); reads are idempotent.
final class StateConnections {
    private let logger: Logger
    private let redis: RedisClient
    private var postgres: Reconnecting<PostgresConnection, PostgresError>
    /// Checks every Redis read against what the worker acknowledged; nil: no check
    /// (a reader without a worker in the process, as in tests of the routes).
    private let rollbackGuard: RedisRollbackGuard?

    /// `statementTimeoutMs` bounds every PostgreSQL query of the API (`statement_timeout`),
    /// so one slow query cannot hold a reader thread.
    init(redis deployment: RedisClient.Deployment, redisTimeoutMs: Int, postgresURL: String,
         statementTimeoutMs: Int = 2_000, rollbackGuard: RedisRollbackGuard? = nil, logger: Logger) {
        self.logger = logger
        self.rollbackGuard = rollbackGuard
        redis = RedisClient(deployment, timeoutMs: redisTimeoutMs)
        postgres = Reconnecting(
            connect: { () throws(PostgresError) in
                let connection = try PostgresConnection.connect(url: postgresURL)
                try connection.query("SELECT set_config('statement_timeout', $1, false)", [String(statementTimeoutMs)])
                return connection
            },
            isBroken: \.isBroken)
    }

    /// Replies in command order; an error reply to any command throws (not
    /// unavailable). With a rollback guard, the commands run in one transaction with
    /// its check, and a Redis behind what the worker acknowledged answers nothing.
    func redisPipeline(_ commands: [RedisCommand]) throws(StateReadError) -> [RedisReply] {
        guard let rollbackGuard else { return try send(commands) }
        let plan = try rollbackGuard.transaction(commands)
        return try rollbackGuard.replies(send(plan.commands), of: plan)
    }

    /// Runs `commands`, once more on a fresh connection when a retriable failure
    /// broke the one used (the server may have restarted since the last request).
    private func send(_ commands: [RedisCommand]) throws(StateReadError) -> [RedisReply] {
        do throws(RedisError) {
            let replies: [Result<RedisReply, RedisError>]
            do {
                replies = try redis.pipeline(commands)
            } catch where error.isRetriable {
                replies = try redis.pipeline(commands)
            }
            return try replies.map { result throws(RedisError) in try result.get() }
        } catch {
            logger.debug("redis read failed", metadata: ["error": "\(error)"])
            throw StateReadError(.redis, isUnavailable: error.isRetriable, detail: error.description)
        }
    }

    /// `body` on the PostgreSQL connection. An error that is not retriable (a value
    /// of the wrong shape among them) is not "unavailable" (500).
    func postgres<T>(_ body: (PostgresConnection) throws(PostgresError) -> T) throws(StateReadError) -> T {
        do throws(PostgresError) {
            return try postgres.use(body, isRetriable: \.isRetriable)
        } catch {
            logger.debug("postgres read failed", metadata: ["error": "\(error)"])
            throw StateReadError(.postgres, isUnavailable: error.isRetriable, detail: error.description)
        }
    }
}
