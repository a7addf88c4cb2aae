import CRdKafka
@testable import ReceiptKafka

/// librdkafka's in-process mock Kafka cluster, for tests: real protocol over loopback
/// sockets, with produce, fetch and consumer groups, but no admin API (use `createTopic`).
///
/// Owns one `rd_kafka_mock_cluster_t`, destroyed in `deinit` before the librdkafka
/// instance that hosts it. Not `Sendable`: create and use it on one thread.
public final class KafkaMockCluster {
    private let host: KafkaClient
    private let cluster: OpaquePointer
    /// The `bootstrap.servers` value that reaches this cluster.
    public let bootstrapServers: String

    private init(host: KafkaClient, cluster: OpaquePointer) {
        self.host = host
        self.cluster = cluster
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Starts a cluster of `brokers` brokers; consumer groups rebalance without delay.
    public static func make(brokers: Int32 = 1) throws(KafkaError) -> KafkaMockCluster {
        let host = try KafkaClient.make(RD_KAFKA_PRODUCER, properties: ["log_level": "3"])
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, brokers) else {
            throw .local(.invalidConfiguration, "rd_kafka_mock_cluster_new failed")
        }
        rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0)
        return KafkaMockCluster(host: host, cluster: cluster)
    }

    /// Creates `topic` with `partitions` partitions (topics are also auto-created on use).
    public func createTopic(_ topic: String, partitions: Int32) throws(KafkaError) {
        try host.check(rd_kafka_mock_topic_create(cluster, topic, partitions, 1))
    }
}
