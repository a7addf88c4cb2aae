/// The result of one statement, copied out of libpq in text format.
///
/// Iterate it, or index it, for `PostgresRow`s that read values by column name.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// Column names in result order.
    public let columns: [String]
    /// One array per row, one text value per column; nil is SQL NULL.
    public let rows: [[String?]]
    /// Rows inserted, updated, deleted, selected… as the command tag reports it; nil
    /// when the command does not report a count (e.g. CREATE TABLE).
    public let affectedRows: Int?

    public var startIndex: Int { rows.startIndex }
    public var endIndex: Int { rows.endIndex }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(columns: columns, values: rows[position])
    }
}

/// One row: its values as text, read by column name.
public struct PostgresRow: Sendable {
    public let columns: [String]
    /// One value per column, in `columns` order; nil is SQL NULL.
    public let values: [String?]

    /// The column's text; nil when it is NULL. Throws `.columnNotFound` for a name the
    /// result does not have.
    public func string(_ column: String) throws(PostgresError) -> String? {
        guard let index = columns.firstIndex(of: column) else {
            throw PostgresError(.columnNotFound, context: "column \(column)", message: "columns: \(columns)")
        }
        return values[index]
    }

    /// The column as a 64-bit integer; nil when it is NULL. Throws `.invalidValue` when
    /// its text is not a decimal integer in range.
    public func int64(_ column: String) throws(PostgresError) -> Int64? {
        guard let text = try string(column) else { return nil }
        guard let value = Int64(text) else {
            throw PostgresError(.invalidValue, context: "column \(column)", message: "not an Int64: \(text)")
        }
        return value
    }
}
