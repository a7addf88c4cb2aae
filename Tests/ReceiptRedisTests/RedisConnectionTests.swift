import ReceiptRedis
import Testing

@Suite struct RedisConnectionTests {
    @Test func connectionRefusedIsARetriableConnectionFailure() {
        let error = #expect(throws: RedisError.self) {
            try RedisConnection.connect(RedisEndpoint(host: "127.0.0.1", port: 1), timeoutMs: 1_000)
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.isRetriable == true)
        #expect(error?.description == "Redis connection failed (connect 127.0.0.1:1)")
        #expect(error.map { String(reflecting: $0).contains("Connection refused") } == true)
    }

    @Test func wrongPasswordFailsAuthenticationWithoutRevealingIt() throws {
        var endpoint = try testEndpoint()
        endpoint.password = "not-the-password"
        let error = #expect(throws: RedisError.self) { try RedisConnection.connect(endpoint, timeoutMs: 2_000) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.isRetriable == false)
        #expect(error.map { "\($0) \(String(reflecting: $0))".contains("not-the-password") } == false)
    }

    @Test func databaseFromTheEndpointIsSelected() throws {
        var endpoint = try testEndpoint()
        endpoint.database = endpoint.database == 0 ? 1 : 0
        let key = uniqueKey("select")
        let other = try RedisConnection.connect(endpoint, timeoutMs: 2_000)
        _ = try other.execute(.set(key, "x", expireSeconds: 60))

        let connection = try connectToTestRedis()
        #expect(try connection.execute(.get(key)).isNull)
        #expect(try other.execute(.get(key)).string == "x")
    }

    @Test func executeThrowsAnErrorReplyAndTheConnectionStaysUsable() throws {
        let connection = try connectToTestRedis()
        let key = uniqueKey("wrongtype")
        _ = try connection.execute(.zadd(key, [(score: 1, member: "m")]))

        let error = #expect(throws: RedisError.self) { try connection.execute(.incr(key)) }
        #expect(error?.code == .errorReply)
        #expect(error?.context == "INCR")
        #expect(error?.detail?.hasPrefix("WRONGTYPE") == true)
        #expect(!connection.isBroken)
        #expect(try connection.execute(.ping) == .status("PONG"))
    }

    @Test func killedConnectionIsBrokenAndKeepsThrowingTheSameFailure() throws {
        let connection = try connectToTestRedis()
        let id = try #require(connection.execute(RedisCommand(["CLIENT", "ID"])).int64)
        _ = try connectToTestRedis().execute(RedisCommand(["CLIENT", "KILL", "ID", String(id)]))

        let first = #expect(throws: RedisError.self) { try connection.execute(.ping) }
        #expect(first?.code == .connectionClosed || first?.code == .io)
        #expect(first?.isRetriable == true)
        #expect(connection.isBroken)
        let second = #expect(throws: RedisError.self) { try connection.pipeline([.ping]) }
        #expect(second?.code == first?.code)
    }

    @Test func replyLaterThanTheTimeoutIsATimeoutAndBreaksTheConnection() throws {
        let connection = try connectToTestRedis(timeoutMs: 200)
        let error = #expect(throws: RedisError.self) {
            try connection.execute(RedisCommand(["BLPOP", uniqueKey("never-pushed"), "2"]))
        }
        #expect(error?.code == .timeout)
        #expect(error?.isRetriable == true)
        #expect(connection.isBroken)
    }
}
