#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ReceiptRedis

/// The endpoints of the local stack the integration tests run against.
///
/// `scripts/test.sh` starts Tansu, redis-server and PostgreSQL as the project's own
/// processes and exports their addresses. A test that needs a service reads it here;
/// a missing one is an error, never a skip: a skipped test proves nothing.
public enum TestStack {
    public struct MissingService: Error, CustomStringConvertible {
        public let variable: String
        public var description: String {
            "\(variable) is not set: integration tests need the local stack. Run scripts/test.sh, or start it with scripts/stack.sh start and export the variables of scripts/stack.sh env."
        }
    }

    /// `host:port` of the Kafka-compatible broker. `RECEIPTD_TEST_BROKERS`.
    public static func brokers() throws -> String { try value("RECEIPTD_TEST_BROKERS") }
    /// `redis://host:port/db`. `RECEIPTD_TEST_REDIS_URL`.
    public static func redisURL() throws -> String { try value("RECEIPTD_TEST_REDIS_URL") }
    /// The seed nodes of the stack's Redis Cluster when the suite runs against it
    /// (`RECEIPTD_TEST_REDIS_TARGET=cluster`, seeds in
    /// `RECEIPTD_TEST_REDIS_CLUSTER_NODES`, as `scripts/test.sh`'s cluster pass sets
    /// them); empty when it runs against the single Redis at `redisURL()`. Tests that
    /// use the stack's Redis go through this, so the same test proves both.
    public static func redisClusterNodes() throws -> [RedisEndpoint] {
        guard ProcessInfo.processInfo.environment["RECEIPTD_TEST_REDIS_TARGET"] == "cluster" else { return [] }
        let seeds = try value("RECEIPTD_TEST_REDIS_CLUSTER_NODES")
        do {
            return try RedisEndpoint.clusterSeeds(seeds, password: nil)
        } catch {
            throw TestFailure("RECEIPTD_TEST_REDIS_CLUSTER_NODES (\(seeds)) is not a seed list: \(error)")
        }
    }

    /// A client of the stack's Redis: the single server, or the cluster in the
    /// cluster pass. Blocking calls: use it on a thread of its own.
    public static func redisClient(timeoutMs: Int = 5_000) throws -> RedisClient {
        let nodes = try redisClusterNodes()
        return RedisClient(nodes.isEmpty ? .single(try RedisEndpoint(url: redisURL())) : .cluster(seeds: nodes),
                           timeoutMs: timeoutMs)
    }

    /// A libpq connection URI. `RECEIPTD_TEST_POSTGRES_URL`.
    public static func postgresURL() throws -> String { try value("RECEIPTD_TEST_POSTGRES_URL") }

    /// A name no other test (or earlier run) uses: for topics, groups, keys.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
    }

    static func value(_ variable: String) throws -> String {
        guard let v = ProcessInfo.processInfo.environment[variable], !v.isEmpty else {
            throw MissingService(variable: variable)
        }
        return v
    }
}
