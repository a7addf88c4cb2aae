import ReceiptPostgres
import Testing

@Suite struct PostgresArrayLiteralTests {
    @Test func textElementsAreQuotedWithQuotesAndBackslashesEscaped() {
        #expect(PostgresArrayLiteral.text(["a", "b\"c", #"d\e"#, nil, "NULL", ""]) == #"{"a","b\"c","d\\e",NULL,"NULL",""}"#)
    }

    @Test func emptyArraysAreEmptyBraces() {
        #expect(PostgresArrayLiteral.text([]) == "{}")
        #expect(PostgresArrayLiteral.int64([]) == "{}")
    }

    @Test func int64ElementsAreDecimalIncludingExtremes() {
        #expect(PostgresArrayLiteral.int64([1, -2, .min, .max]) == "{1,-2,-9223372036854775808,9223372036854775807}")
    }
}

/// Strings that break naive array literals; the server must give each back unchanged.
let trickyStrings: [String?] = [
    "plain", "", " ", " leading", "trailing ", "NULL", "null", nil, "a,b", "{braces}", "}", "{",
    "\"", "\"quoted\"", "\\", "back\\slash", "\\\"", "'single'", "tab\tnew\nline\r", "é漢字🙂", "(1,2)", "a b",
]

@Suite struct PostgresArrayRoundTripTests {
    @Test func textArrayRoundTripsTrickyStringsExactlyThroughUnnest() throws {
        let connection = try connectToTestPostgres()
        let rows = try connection.query(
            "SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i",
            [PostgresArrayLiteral.text(trickyStrings)])
        #expect(rows.rows.map { $0[0] } == trickyStrings)
    }

    @Test func int64ArrayRoundTripsThroughUnnest() throws {
        let connection = try connectToTestPostgres()
        let values: [Int64] = [0, 1, -1, .min, .max, 42]
        let rows = try connection.query("SELECT unnest($1::bigint[]) AS v", [PostgresArrayLiteral.int64(values)])
        #expect(try rows.map { try $0.int64("v") } == values)
    }

    @Test func emptyArrayUnnestsToNoRows() throws {
        let connection = try connectToTestPostgres()
        #expect(try connection.query("SELECT unnest($1::text[])", [PostgresArrayLiteral.text([])]).isEmpty)
    }
}
