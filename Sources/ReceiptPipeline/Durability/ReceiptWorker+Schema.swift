import Logging
import ReceiptPostgres

extension ReceiptWorker {
    /// Before the first poll: the schema must be current (or is migrated, when
    /// configured). An unreachable PostgreSQL is retried with backoff; a schema that
    /// does not match this binary is an error an operator must act on. Returns false
    /// when a stop was requested first.
    func prepareDatabase() throws -> Bool {
        let ready: Bool? = try retry("checking the PostgreSQL schema", counting: metrics.postgresErrors) {
            let connection = try postgres.live()
            do {
                if configuration.migrateAtStart {
                    let (from, to) = try Migrations.apply(on: connection)
                    if from != to { logger.notice("migrated the PostgreSQL schema", metadata: ["from": "\(from)", "to": "\(to)"]) }
                } else {
                    try Migrations.check(on: connection)
                }
            } catch let error as SchemaVersionError {
                throw SchemaMismatch(error)
            } catch {
                postgres.drop()
                throw error
            }
            return true
        } fatal: { $0 is SchemaMismatch }
        status.update { $0.postgresReady = ready == true }
        guard ready == true else { return false }
        // Redis is reachable and holds the complete state (on a first start or after
        // Redis lost its data, it is seeded from PostgreSQL now, not in the middle of
        // the first batch).
        // Redis must not evict receiptd's keys: checked before anything is written to it.
        guard let evicting = retrying("connecting to Redis", { try store.connectedEvictionProblem() }) else {
            return false
        }
        if let problem = evicting {
            guard configuration.allowEvictingRedis else { throw RedisMayEvict(reason: problem) }
            logger.warning("\(problem); allowed by --allow-evicting-redis")
        }
        return reseedUntilDone()
    }
}

/// The database schema does not match this binary; retrying will not help.
struct SchemaMismatch: Error, CustomStringConvertible {
    let underlying: SchemaVersionError
    init(_ underlying: SchemaVersionError) { self.underlying = underlying }
    var description: String { underlying.description }
}
