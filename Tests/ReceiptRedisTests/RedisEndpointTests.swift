import ReceiptRedis
import Testing

@Suite struct RedisEndpointTests {
    @Test func fullURLSetsEveryField() throws {
        let endpoint = try RedisEndpoint(url: "redis://:p%40ss@cache.internal:6380/3")
        #expect(endpoint == RedisEndpoint(host: "cache.internal", port: 6380, database: 3, password: "p@ss"))
    }

    @Test func omittedPartsTakeTheirDefaults() throws {
        #expect(try RedisEndpoint(url: "redis://localhost") == RedisEndpoint(host: "localhost"))
        #expect(try RedisEndpoint(url: "REDIS://localhost/") == RedisEndpoint(host: "localhost"))
    }

    @Test func defaultUserAndIPv6HostAreAccepted() throws {
        let endpoint = try RedisEndpoint(url: "redis://default:pw@[::1]:7000/1")
        #expect(endpoint == RedisEndpoint(host: "::1", port: 7000, database: 1, password: "pw"))
    }

    @Test(arguments: [
        ("localhost:6379", "missing redis:// scheme"),
        ("http://localhost", "scheme must be redis"),
        ("rediss://localhost", "scheme must be redis"),
        ("redis://", "missing host"),
        ("redis://:6379", "missing host"),
        ("redis://localhost:0", "port must be"),
        ("redis://localhost:65536", "port must be"),
        ("redis://localhost:+80", "port must be"),
        ("redis://localhost:http", "port must be"),
        ("redis://localhost:", "port must be"),
        ("redis://localhost/-1", "database must be"),
        ("redis://localhost/one", "database must be"),
        ("redis://localhost/0?timeout=1", "query"),
        ("redis://alice:pw@localhost", "ACL user names"),
        ("redis://:%zz@localhost", "percent-encoding"),
    ])
    func malformedURLFailsNamingThePartThatIsWrong(url: String, reason: String) {
        let error = #expect(throws: RedisError.self) { try RedisEndpoint(url: url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.context.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func invalidURLErrorNeverRepeatsThePassword() {
        let error = #expect(throws: RedisError.self) { try RedisEndpoint(url: "redis://:hunter2@host:99999") }
        #expect(error.map { "\($0) \(String(reflecting: $0))".contains("hunter2") } == false)
    }
}
