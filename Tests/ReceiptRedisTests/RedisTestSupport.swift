import ReceiptRedis
import TestSupport

/// A fresh connection to the test server of `RECEIPTD_TEST_REDIS_URL`.
func connectToTestRedis(timeoutMs: Int = 5_000) throws -> RedisConnection {
    try RedisConnection.connect(testEndpoint(), timeoutMs: timeoutMs)
}

func testEndpoint() throws -> RedisEndpoint {
    try RedisEndpoint(url: TestStack.redisURL())
}

/// A key no other test, or earlier run, uses: tests run in parallel on one server.
func uniqueKey(_ name: String) -> String {
    TestStack.uniqueName("receiptd-test:\(name)")
}
