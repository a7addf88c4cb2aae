import Foundation
import ReceiptCore

extension ProtoJSON {
    /// A record of `examples/events/invalid/`: the decoder (or, with `state`, the
    /// pipeline) must reject `record` with `expectedError`.
    public struct InvalidEventExample: Sendable {
        public let name: String
        public let expectedError: Rejection.Code
        public let description: String
        /// The conversation state the error depends on (`maxSeq`), or nil when the
        /// decoder alone must reject the record.
        public let state: [String: Int64]?
        public let record: [UInt8]
        /// The record's Kafka key when the example gives one (`key`); otherwise the
        /// record is keyed by its conversationID, as the contract asks.
        public let key: [UInt8]?
    }

    /// A file of `examples/scenarios/`: start from `state`, apply `events` in order,
    /// expect `expectedNotifications` (order not significant).
    public struct Scenario: Sendable {
        public let name: String
        public let description: String
        public let maxSeq: Int64
        /// userID → read watermark before the events.
        public let hasReadSeq: [String: Int64]
        public let events: [[UInt8]]
        public let expectedNotifications: [[UInt8]]
    }

    public static func validEventExampleNames() throws -> [String] { try names(in: "examples/events/valid") }
    public static func validEventExample(_ name: String) throws -> [UInt8] { try bytes("examples/events/valid", name) }
    public static func invalidEventExampleNames() throws -> [String] { try names(in: "examples/events/invalid") }
    public static func notificationExampleNames() throws -> [String] { try names(in: "examples/notifications") }
    public static func notificationExample(_ name: String) throws -> [UInt8] { try bytes("examples/notifications", name) }
    public static func scenarioNames() throws -> [String] { try names(in: "examples/scenarios") }

    public static func invalidEventExample(_ name: String) throws -> InvalidEventExample {
        let doc = try document("examples/events/invalid", name)
        guard let code = doc["expectedError"]?.stringValue.flatMap(Rejection.Code.init(rawValue:)) else {
            throw Failure(description: "\(name): `expectedError` is missing or not a Rejection.Code")
        }
        let record: [UInt8]
        if let text = doc["record"]?.stringValue {
            record = Array(text.utf8)
        } else if let encoded = doc["recordBase64"]?.stringValue, let data = Data(base64Encoded: encoded) {
            record = [UInt8](data)
        } else {
            throw Failure(description: "\(name): needs `record` (a string) or `recordBase64`")
        }
        var state: [String: Int64]?
        if case .object(let members)? = doc["state"] {
            state = members.compactMapValues(\.int64Value)
        }
        return InvalidEventExample(
            name: name, expectedError: code, description: doc["description"]?.stringValue ?? "",
            state: state, record: record, key: doc["key"]?.stringValue.map { Array($0.utf8) })
    }

    public static func scenario(_ name: String) throws -> Scenario {
        let doc = try document("examples/scenarios", name)
        guard let maxSeq = doc["state"]?["maxSeq"]?.int64Value,
              case .array(let events)? = doc["events"],
              case .array(let expected)? = doc["expectedNotifications"]
        else { throw Failure(description: "\(name): needs state.maxSeq, events and expectedNotifications") }
        var watermarks: [String: Int64] = [:]
        if case .object(let members)? = doc["state"]?["hasReadSeq"] {
            watermarks = members.compactMapValues(\.int64Value)
        }
        return Scenario(
            name: name, description: doc["description"]?.stringValue ?? "", maxSeq: maxSeq,
            hasReadSeq: watermarks, events: try events.map { try $0.serialized() },
            expectedNotifications: try expected.map { try $0.serialized() })
    }
}
