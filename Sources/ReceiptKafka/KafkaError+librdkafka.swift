import CRdKafka

extension KafkaError {
    /// `err` as an error, or nil for `RD_KAFKA_RESP_ERR_NO_ERROR`.
    ///
    /// Uses `rd_kafka_err2str` only: `rd_kafka_message_errstr` would return the record's
    /// payload for failed deliveries, and errors must not carry user data.
    init?(_ err: rd_kafka_resp_err_t) {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        self.init(
            code: Code(err),
            message: String(cString: rd_kafka_err2str(err)),
            isRetriable: Self.retriableCodes.contains(err.rawValue),
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL
        )
    }

    /// Converts an `rd_kafka_error_t` and destroys it. Retriable if librdkafka says so
    /// or its code is (librdkafka does not flag a full queue as retriable).
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        let err = rd_kafka_error_code(error)
        self.init(
            code: Code(err),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0 || Self.retriableCodes.contains(err.rawValue),
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
    }

    /// An error raised by this module rather than by librdkafka.
    static func local(_ code: Code, _ message: String) -> KafkaError {
        KafkaError(code: code, message: message)
    }

    /// Codes after which the same request may succeed: connectivity, leadership and
    /// group-coordination churn, and local back-pressure.
    private static let retriableCodes = Set([
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
    ].map(\.rawValue))
}
