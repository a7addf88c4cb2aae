import CRdKafka

/// Cluster administration through a short-lived admin client.
public enum KafkaAdmin {
    /// Creates `topics` with the broker's default replication factor and blocks until the
    /// broker has answered or `timeoutMs` has passed. Topics that already exist are left
    /// as they are, whatever their partition count.
    public static func createTopics(
        _ topics: [(name: String, partitions: Int32)],
        configuration: KafkaConfiguration,
        timeoutMs: Int32
    ) throws(KafkaError) {
        guard !topics.isEmpty else { return }
        let client = try KafkaClient.make(RD_KAFKA_PRODUCER, properties: configuration.resolvedProperties())
        try createTopics(topics, on: client, timeoutMs: timeoutMs)
    }

    /// The request itself. Its C objects live only for this call, so each is freed by a
    /// `defer` next to its creation; `client` outlives them all as a parameter.
    private static func createTopics(
        _ topics: [(name: String, partitions: Int32)], on client: KafkaClient, timeoutMs: Int32
    ) throws(KafkaError) {
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for topic in topics {
            let (newTopic, message) = withErrorString { rd_kafka_NewTopic_new(topic.name, topic.partitions, -1, $0, $1) }
            guard let newTopic else { throw .local(.invalidConfiguration, message) }
            newTopics.append(newTopic)
        }

        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = withErrorString { rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, $0, $1) }
        _ = withErrorString { rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, $0, $1) }

        let resultQueue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(resultQueue) }
        rd_kafka_CreateTopics(client.handle, &newTopics, newTopics.count, options, resultQueue)

        // librdkafka ends the request at the request timeout; the margin is for the event.
        guard let event = rd_kafka_queue_poll(resultQueue, timeoutMs &+ 1000) else {
            throw .local(.timedOut, "CreateTopics got no answer within \(timeoutMs) ms")
        }
        defer { rd_kafka_event_destroy(event) }
        if var error = client.error(rd_kafka_event_error(event)) {
            error.message = String(cString: rd_kafka_event_error_string(event))
            throw error
        }
        var count = 0
        let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
        for result in UnsafeBufferPointer(start: results, count: count) {
            let err = rd_kafka_topic_result_error(result)
            guard err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, var error = KafkaError(err) else { continue }
            let name = String(cString: rd_kafka_topic_result_name(result))
            let detail = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? error.message
            error.message = "creating topic \(name): \(detail)"
            throw error
        }
    }
}
