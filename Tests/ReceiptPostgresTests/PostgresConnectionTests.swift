import ReceiptPostgres
import Testing
import TestSupport

@Suite struct PostgresConnectionTests {
    @Test func deadPortFailsToConnectWithARetriableErrorNamingTheCause() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect(url: "postgresql://postgres@127.0.0.1:1/receiptd?connect_timeout=2")
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isRetriable == true)
        #expect(error?.description == "PostgreSQL connection failed (connect)")
        #expect(error?.message?.contains("Connection refused") == true, "\(String(describing: error?.message))")
    }

    @Test func malformedURLIsInvalidNotRetriableAndHidesThePassword() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect(url: "postgresql://user:hunter2@host:notaport/db?bogus_option=1")
        }
        #expect(error?.code == .invalidURL)
        #expect(error?.isRetriable == false)
        #expect(error.map { String(reflecting: $0).contains("hunter2") } == false)
    }

    @Test func unicodeRoundTripsWhateverTheServerEncoding() throws {
        let connection = try connectToTestPostgres()
        #expect(try connection.query("SELECT $1::text AS v", ["é漢字🙂"])[0].string("v") == "é漢字🙂")
    }

    @Test func clientEncodingIsUTF8EvenWhenTheURLAsksForAnother() throws {
        let url = try TestStack.postgresURL()
        let connection = try PostgresConnection.connect(url: url + (url.contains("?") ? "&" : "?") + "client_encoding=LATIN1")
        #expect(try connection.query("SHOW client_encoding")[0].string("client_encoding") == "UTF8")
    }

    @Test func terminatedBackendIsALostConnectionThatResetRestores() throws {
        let connection = try connectToTestPostgres()
        let pid = try #require(try connection.query("SELECT pg_backend_pid() AS pid")[0].int64("pid"))
        try connectToTestPostgres().query("SELECT pg_terminate_backend($1::int)", [String(pid)])

        let error = #expect(throws: PostgresError.self) { try connection.query("SELECT 1") }
        #expect(error?.code == .connectionLost)
        #expect(error?.isRetriable == true)
        #expect(connection.isBroken)

        try connection.reset()
        #expect(!connection.isBroken)
        #expect(try connection.query("SELECT 1 AS one")[0].int64("one") == 1)
    }
}
