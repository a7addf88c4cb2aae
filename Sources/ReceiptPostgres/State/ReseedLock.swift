/// A session-level advisory lock that lets one replica at a time re-seed Redis from
/// PostgreSQL. Held by the connection; released explicitly or when it closes, so a
/// replica that dies mid-seed never blocks the others.
public enum ReseedLock {
    public static func tryAcquire(on connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT pg_try_advisory_lock(hashtext('receiptd redis reseed')) AS locked")
            .first?.string("locked") == "t"
    }

    public static func release(on connection: PostgresConnection) throws {
        try connection.query("SELECT pg_advisory_unlock(hashtext('receiptd redis reseed'))")
    }
}
