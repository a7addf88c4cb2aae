import ReceiptRedis
import Testing

@Suite struct RedisScriptLoadTests {
    /// A script no other test or run has loaded, so the server starts without it.
    private func freshScript() -> RedisScript {
        RedisScript("-- \(uniqueKey("script"))\nreturn redis.call('INCRBY', KEYS[1], ARGV[1])")
    }

    @Test func evalshaOfAnUnloadedScriptIsNoScriptThenSucceedsAfterLoad() throws {
        let connection = try connectToTestRedis()
        let script = freshScript()
        let key = uniqueKey("evalsha")

        let replies = try connection.pipeline([.evalsha(script, keys: [key], args: ["5"]), .ping])
        guard case .failure(let error) = replies[0] else {
            Issue.record("EVALSHA of an unloaded script succeeded")
            return
        }
        #expect(error.code == .noScript)
        #expect(error.isRetriable == false)
        #expect(try replies[1].get() == .status("PONG"))

        try connection.load(script)
        #expect(try connection.execute(.evalsha(script, keys: [key], args: ["5"])) == .integer(5))
        _ = try connection.execute(.del(key))
    }

    @Test func serverNamesALoadedScriptByTheLocallyComputedSHA1() throws {
        let connection = try connectToTestRedis()
        let script = freshScript()
        let sha = try connection.execute(.scriptLoad(script)).string
        #expect(sha == script.sha1)
    }

    @Test func errorInsideAScriptsTableIsAnErrorElement() throws {
        let connection = try connectToTestRedis()
        let script = RedisScript("return {1, redis.error_reply('BAD thing'), 'x'}")
        try connection.load(script)
        #expect(try connection.execute(.evalsha(script, keys: [], args: []))
            == .array([.integer(1), .error("BAD thing"), .bulk(Array("x".utf8))]))
    }
}
