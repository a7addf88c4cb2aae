extension PostgresRow {
    /// A one-dimensional bigint[] column, `{1,2,3}` in text format; nil when it is
    /// NULL. Throws `.invalidValue` for anything else (NULL elements, nesting, text).
    public func int64Array(_ column: String) throws(PostgresError) -> [Int64]? {
        guard let text = try string(column) else { return nil }
        guard text.first == "{", text.last == "}" else {
            throw PostgresError(.invalidValue, context: "column \(column)", message: "not an array: \(text)")
        }
        let body = text.dropFirst().dropLast()
        guard !body.isEmpty else { return [] }
        var values: [Int64] = []
        for element in body.split(separator: ",", omittingEmptySubsequences: false) {
            guard let value = Int64(element) else {
                throw PostgresError(.invalidValue, context: "column \(column)", message: "not an Int64 array: \(text)")
            }
            values.append(value)
        }
        return values
    }
}

extension PostgresRow {
    /// A NOT NULL text column; NULL there is a broken invariant, thrown as `.invalidValue`.
    func requiredString(_ column: String) throws(PostgresError) -> String {
        guard let value = try string(column) else {
            throw PostgresError(.invalidValue, context: "column \(column)", message: "unexpected NULL")
        }
        return value
    }

    /// A NOT NULL bigint (or int) column.
    func requiredInt64(_ column: String) throws(PostgresError) -> Int64 {
        guard let value = try int64(column) else {
            throw PostgresError(.invalidValue, context: "column \(column)", message: "unexpected NULL")
        }
        return value
    }
}
