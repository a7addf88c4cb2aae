import Logging
import ReceiptPostgres
import ReceiptRedis
import TestSupport

@testable import ReceiptHTTP

/// Real Redis and PostgreSQL for one test: a PostgreSQL schema of its own holding the
/// three tables the query API reads (as the migrations define them), unique IDs for
/// Redis keys, and a `StateReader` pointed at both. The stack's URLs are required:
/// a missing one fails the test.
struct TestStores: Sendable {
    let schema: String
    let postgresURL: String
    let redisEndpoint: RedisEndpoint
    /// The stack's cluster in the cluster pass, else empty.
    let clusterNodes: [RedisEndpoint]

    init() throws {
        schema = "http_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let base = try TestStack.postgresURL()
        postgresURL = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        redisEndpoint = try RedisEndpoint(url: TestStack.redisURL())
        clusterNodes = try TestStack.redisClusterNodes()
        try PostgresConnection.connect(url: base).execute("""
            CREATE SCHEMA \(schema);
            CREATE TABLE \(schema).conversation_seq (conversation_id text PRIMARY KEY, max_seq bigint NOT NULL);
            CREATE TABLE \(schema).read_state (
                conversation_id text NOT NULL, user_id text NOT NULL, has_read_seq bigint NOT NULL,
                read_seqs bigint[] NOT NULL DEFAULT '{}', PRIMARY KEY (conversation_id, user_id));
            CREATE TABLE \(schema).delivery_state (
                conversation_id text NOT NULL, user_id text NOT NULL, delivered_seq bigint NOT NULL,
                delivered_seqs bigint[] NOT NULL DEFAULT '{}', PRIMARY KEY (conversation_id, user_id));
            CREATE TABLE \(schema).private_read_state (
                conversation_id text NOT NULL, user_id text NOT NULL, has_read_seq bigint NOT NULL,
                PRIMARY KEY (conversation_id, user_id));
            """)
    }

    func reader() -> StateReader {
        StateReader(redis: redisEndpoint, clusterSeeds: clusterNodes, postgresURL: postgresURL, acknowledgedBy: nil,
                    logger: Logger(label: "receiptd-http-test"))
    }

    /// Runs Redis commands on a thread of its own (never the cooperative pool).
    func redis(_ commands: [RedisCommand]) async throws {
        try await onOwnThread {
            for reply in try TestStack.redisClient().pipeline(commands) { _ = try reply.get() }
        }
    }

    /// Runs SQL in this test's schema, on a thread of its own.
    func sql(_ statements: String) async throws {
        let url = postgresURL
        try await onOwnThread { try PostgresConnection.connect(url: url).execute(statements) }
    }

    func drop() async {
        let schema = schema
        _ = try? await onOwnThread {
            try PostgresConnection.connect(url: TestStack.postgresURL()).execute("DROP SCHEMA \(schema) CASCADE")
        }
    }
}

/// Runs `body` with fresh stores, dropping the schema afterwards whether it throws or not.
func withStores(_ body: (TestStores) async throws -> Void) async throws {
    let stores = try await onOwnThread { try TestStores() }
    do {
        try await body(stores)
    } catch {
        await stores.drop()
        throw error
    }
    await stores.drop()
}

/// An ID no other test or run uses, for conversations and users.
func uniqueID(_ prefix: String) -> String { TestStack.uniqueName(prefix) }

/// ZADD of member → score pairs.
func zadd(_ key: String, _ scores: [String: Int64]) -> RedisCommand {
    .zadd(key, scores.map { (score: $0.value, member: $0.key) })
}
