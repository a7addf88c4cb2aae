import Foundation
import ReceiptCore

/// The repository's `proto-json/` folder: schemas and examples of contract v1.
///
/// The folder is found from this source file's own path (`#filePath`), so tests read
/// the checked-in contract and nothing outside the repository. Names passed in are
/// file names without `.json`, never paths.
public enum ProtoJSON {
    /// `<repo>/proto-json`.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
        .appendingPathComponent("proto-json", isDirectory: true)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A schema check that found problems; `violations` lists them all.
    public struct SchemaViolations: Error, CustomStringConvertible {
        public let schema: String
        public let violations: [String]
        public var description: String {
            "does not conform to \(schema):\n" + violations.map { "  - \($0)" }.joined(separator: "\n")
        }
    }

    /// The raw bytes of `proto-json/<folder>/<name>.json`.
    public static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw Failure(description: "`\(name)` is not a plain file name")
        }
        let url = root.appendingPathComponent(folder, isDirectory: true).appendingPathComponent(name + ".json")
        return [UInt8](try Data(contentsOf: url))
    }

    /// The names (without `.json`) of the JSON files in `proto-json/<folder>`, sorted.
    public static func names(in folder: String) throws -> [String] {
        let url = root.appendingPathComponent(folder, isDirectory: true)
        return try FileManager.default.contentsOfDirectory(atPath: url.path)
            .filter { $0.hasSuffix(".json") }
            .map { String($0.dropLast(".json".count)) }
            .sorted()
    }

    public static func document(_ folder: String, _ name: String) throws -> JSONDocument {
        try JSONDocument.parse(bytes(folder, name))
    }

    // MARK: Schemas

    public static func eventSchema(_ type: EventType) throws -> JSONSchemaChecker {
        JSONSchemaChecker(schema: try document("schemas/events", "\(type.rawValue).schema"))
    }

    public static func notificationSchema(_ type: NotificationType) throws -> JSONSchemaChecker {
        JSONSchemaChecker(schema: try document("schemas/notifications", "\(type.rawValue).schema"))
    }

    /// The violations of a notification record against the schema its `type` names.
    /// A record that is not JSON, or has no known `type`, is one violation.
    public static func notificationViolations(_ bytes: [UInt8]) throws -> [String] {
        guard let value = try? JSONDocument.parse(bytes) else { return ["$: not valid JSON"] }
        guard let type = value["type"]?.stringValue.flatMap(NotificationType.init(rawValue:)) else {
            return ["$.type: missing or not a notification type"]
        }
        return try notificationSchema(type).violations(of: value)
    }

    /// Throws `SchemaViolations` unless the record conforms to its notification schema.
    public static func validateNotification(_ bytes: [UInt8]) throws {
        let found = try notificationViolations(bytes)
        if !found.isEmpty { throw SchemaViolations(schema: "the notification schema", violations: found) }
    }

    /// The violations of an event record against the schema its `type` names.
    public static func eventViolations(_ bytes: [UInt8]) throws -> [String] {
        guard let value = try? JSONDocument.parse(bytes) else { return ["$: not valid JSON"] }
        guard let type = value["type"]?.stringValue.flatMap(EventType.init(rawValue:)) else {
            return ["$.type: missing or not an event type"]
        }
        return try eventSchema(type).violations(of: value)
    }

    /// Throws `SchemaViolations` unless the record conforms to its event schema.
    public static func validateEvent(_ bytes: [UInt8]) throws {
        let found = try eventViolations(bytes)
        if !found.isEmpty { throw SchemaViolations(schema: "the event schema", violations: found) }
    }
}
