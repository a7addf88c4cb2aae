/// Deletes old `client_message_batch` rows (each holds the messages one flush stored
/// for one conversation): deduplication of a client retry only needs recent
/// allocations, and the table would otherwise grow forever.
///
/// Each chunk is its own statement and, outside a transaction, its own commit, so
/// pruning never holds many row locks or competes long with a flush. Rows a flush has
/// locked are skipped, not waited for.
public enum ClientMessagePruning {
    /// Rows per DELETE statement.
    public static let chunkSize = 5_000

    static let deleteOldest = """
        DELETE FROM client_message_batch AS m
        USING (
            SELECT conversation_id, seqs_hash FROM client_message_batch
            WHERE created_at < now() - $1::bigint * interval '1 second'
            ORDER BY created_at
            LIMIT $2::int
            FOR UPDATE SKIP LOCKED
        ) AS old
        WHERE m.conversation_id = old.conversation_id AND m.seqs_hash = old.seqs_hash
        """

    /// Deletes up to `limit` rows created more than `olderThanSeconds` ago, oldest
    /// first, in chunks of at most `chunkSize`, starting no chunk once `deadline` has
    /// passed; returns how many it deleted. Fewer than `limit` without a passed
    /// deadline means none that old is left (apart from rows locked meanwhile).
    public static func prune(
        olderThanSeconds: Int, limit: Int, until deadline: ContinuousClock.Instant? = nil,
        on connection: PostgresConnection
    ) throws -> Int {
        var deleted = 0
        while deleted < limit {
            let chunk = min(chunkSize, limit - deleted)
            let count = try connection.query(deleteOldest, [String(olderThanSeconds), String(chunk)]).affectedRows ?? 0
            deleted += count
            if count < chunk { break }
            if let deadline, ContinuousClock.now >= deadline { break }
        }
        return deleted
    }
}
