import CRdKafka

extension KafkaError.Code: CustomStringConvertible {
    /// A configuration property is unknown or has an invalid value.
    public static let invalidConfiguration = Self(RD_KAFKA_RESP_ERR__INVALID_ARG)
    /// The producer's local queue stayed full for the whole enqueue timeout.
    public static let queueFull = Self(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    public static let timedOut = Self(RD_KAFKA_RESP_ERR__TIMED_OUT)
    /// The consumer was used after `close()`.
    public static let closed = Self(RD_KAFKA_RESP_ERR__STATE)
    /// The instance hit a fatal error (for example an idempotence violation).
    public static let fatal = Self(RD_KAFKA_RESP_ERR__FATAL)
    /// A commit had nothing to commit.
    public static let noOffset = Self(RD_KAFKA_RESP_ERR__NO_OFFSET)
    public static let unknownTopicOrPartition = Self(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    public static let messageTooLarge = Self(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    public static let invalidMessage = Self(RD_KAFKA_RESP_ERR_INVALID_MSG)
    public static let recordListTooLarge = Self(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE)
    public static let invalidRecord = Self(RD_KAFKA_RESP_ERR_INVALID_RECORD)
    public static let invalidMessageSize = Self(RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE)
    /// A commit raced a rebalance; the partitions may no longer be ours.
    public static let rebalanceInProgress = Self(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
    /// A commit used a stale group generation: the partitions were reassigned.
    public static let illegalGeneration = Self(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)
    public static let unknownMemberID = Self(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
    /// A broker connection failed.
    public static let transport = Self(RD_KAFKA_RESP_ERR__TRANSPORT)
    public static let allBrokersDown = Self(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)

    init(_ err: rd_kafka_resp_err_t) { self.init(rawValue: err.rawValue) }

    var librdkafkaValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

    /// librdkafka's symbolic name without the `RD_KAFKA_RESP_ERR_` prefix, e.g. `_TIMED_OUT`.
    public var description: String { String(cString: rd_kafka_err2name(librdkafkaValue)) }
}
