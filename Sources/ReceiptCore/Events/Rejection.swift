/// Why a record was refused. The record goes to the dead-letter topic unchanged, with
/// the code in `x-receiptd-error` and the reason in `x-receiptd-reason`.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Code
    /// One readable sentence naming the field and what is wrong with it.
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    /// The pinned error codes of contract v1. Metrics are labelled by these.
    public enum Code: String, Sendable, CaseIterable {
        case malformedJSON = "malformed_json"
        case unknownType = "unknown_type"
        case missingField = "missing_field"
        /// Wrong JSON type, negative or zero seq, unknown sessionType.
        case invalidField = "invalid_field"
        case emptySeqs = "empty_seqs"
        case seqAboveMax = "seq_above_max"
        case tooManySeqs = "too_many_seqs"
        case deliveryInGroup = "delivery_in_group"
        /// The record's Kafka key is not its conversationID (or it has none): it sits
        /// in another conversation's partition, where stream positions of two
        /// partitions would be compared.
        case keyMismatch = "key_mismatch"
    }
}
