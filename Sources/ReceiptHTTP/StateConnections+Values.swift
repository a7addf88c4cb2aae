import ReceiptPostgres
import ReceiptRedis

/// Decoding replies and rows. A value of the wrong shape is a `StateReadError` that is
/// not "unavailable" (500): the store answered, but not as the schema says.
extension StateConnections {
    /// An integer reply, or a bulk spelling one (GET, ZSCORE); null is 0 when `orZero`.
    func redisInt(_ reply: RedisReply, orZero: Bool) throws(StateReadError) -> Int64 {
        if orZero, reply.isNull { return 0 }
        guard let value = reply.int64 else {
            throw StateReadError(.redis, isUnavailable: false, detail: "expected an integer reply")
        }
        return value
    }

    /// `key column → value column` for rows whose value is not NULL.
    func postgresInts(_ sql: String, _ parameters: [String?], value column: String) throws(StateReadError) -> [String: Int64] {
        var values: [String: Int64] = [:]
        for row in try postgresQuery(sql, parameters) {
            guard let key = try decoded({ () throws(PostgresError) in try row.string("conversation_id") }) else { continue }
            values[key] = try postgresInt(row, column)
        }
        return values
    }

    func postgresInt(_ row: PostgresRow?, _ column: String) throws(StateReadError) -> Int64? {
        guard let row else { return nil }
        return try decoded { () throws(PostgresError) in try row.int64(column) }
    }

    /// A `bigint[]` column in text form, `{1,2,3}`; NULL is empty.
    func int64Array(_ row: PostgresRow, _ column: String) throws(StateReadError) -> [Int64] {
        guard let text = try decoded({ () throws(PostgresError) in try row.string(column) }) else { return [] }
        guard text.hasPrefix("{"), text.hasSuffix("}") else {
            throw StateReadError(.postgres, isUnavailable: false, detail: "column \(column) is not an array")
        }
        let elements = text.dropFirst().dropLast().split(separator: ",")
        return try elements.map { element throws(StateReadError) in
            guard let value = Int64(element) else {
                throw StateReadError(.postgres, isUnavailable: false, detail: "column \(column) holds a non-integer")
            }
            return value
        }
    }

    private func decoded<T>(_ body: () throws(PostgresError) -> T) throws(StateReadError) -> T {
        do {
            return try body()
        } catch {
            throw StateReadError(.postgres, isUnavailable: false, detail: error.description)
        }
    }
}
