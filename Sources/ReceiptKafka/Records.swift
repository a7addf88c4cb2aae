/// One partition of one topic.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// One Kafka record header. Names need not be unique within a record.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// One consumed record, copied out of librdkafka.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// nil when the record has no key.
    public var key: [UInt8]?
    /// Empty when the record's value is null.
    public var value: [UInt8]
    /// Producer (create) or broker (log-append) time in ms since the epoch, when known.
    public var timestampMs: Int64?
    public var headers: [KafkaHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8],
        timestampMs: Int64?, headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMs = timestampMs
        self.headers = headers
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// One record to produce. The partition is chosen by the configured partitioner
/// (librdkafka's default: hash of the key, random when there is no key).
public struct OutgoingRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// The outcome of one `KafkaProducer.send`, matched to it by `ticket`.
public struct DeliveryReport: Sendable {
    /// The ticket passed to `send`.
    public var ticket: UInt64
    /// nil when the record was written (acknowledged per `acks`).
    public var error: KafkaError?
    /// The partition written to, or -1 if none was chosen.
    public var partition: Int32
    /// The record's offset, or -1 if unknown (failure, or `acks=0`).
    public var offset: Int64
    /// For a failed delivery, the record as it was sent, so the caller can send it
    /// again without keeping its own copy of every record in flight; nil when the
    /// record was written.
    public var failedRecord: OutgoingRecord?

    public init(ticket: UInt64, error: KafkaError?, partition: Int32, offset: Int64,
                failedRecord: OutgoingRecord? = nil) {
        self.ticket = ticket
        self.error = error
        self.partition = partition
        self.offset = offset
        self.failedRecord = failedRecord
    }
}

/// A record the broker acknowledged (per `acks`), by the ticket passed to `send`.
public struct Acknowledgement: Sendable, Equatable {
    public var ticket: UInt64
    public var partition: Int32
    /// -1 if unknown (`acks=0`).
    public var offset: Int64

    public init(ticket: UInt64, partition: Int32, offset: Int64) {
        self.ticket = ticket
        self.partition = partition
        self.offset = offset
    }
}

/// The outcomes of `KafkaProducer.send`s, gathered between two polls: an
/// acknowledgement per record written, and a report per record that failed.
public struct Deliveries: Sendable {
    public internal(set) var acknowledged: [Acknowledgement] = []
    /// Each carries its record, for sending it again.
    public internal(set) var failed: [DeliveryReport] = []

    public init() {}

    public var isEmpty: Bool { acknowledged.isEmpty && failed.isEmpty }

    /// Empties both lists, keeping their storage.
    mutating func removeAll() {
        acknowledged.removeAll(keepingCapacity: true)
        failed.removeAll(keepingCapacity: true)
    }
}
