/// Every failure of this module: a librdkafka error code plus librdkafka's explanation.
///
/// `message` and `description` never contain record keys, values or headers, so errors
/// are safe to log.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t`: negative values are raised by the client
    /// itself, positive ones come from the broker.
    ///
    /// A struct rather than an enum so that named codes can be added without breaking
    /// callers' `switch` statements; any librdkafka code is representable.
    public struct Code: Hashable, Sendable {
        public let rawValue: Int32

        public init(rawValue: Int32) { self.rawValue = rawValue }
    }

    public var code: Code
    /// librdkafka's human-readable explanation, or this module's.
    public var message: String
    /// Repeating the same operation later may succeed.
    public var isRetriable: Bool
    /// The client instance is unusable; it must be closed and recreated.
    public var isFatal: Bool

    public init(code: Code, message: String, isRetriable: Bool = false, isFatal: Bool = false) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    /// The broker (or librdkafka, before sending) refuses this record as it is: too
    /// large, or malformed. Sending the same record again can never succeed; a
    /// smaller one may.
    public var refusesTheRecord: Bool {
        [.messageTooLarge, .invalidMessage, .recordListTooLarge, .invalidRecord, .invalidMessageSize].contains(code)
    }

    public var description: String {
        var flags = ""
        if isFatal { flags += ", fatal" }
        if isRetriable { flags += ", retriable" }
        return "KafkaError(\(code)\(flags)): \(message)"
    }
}
