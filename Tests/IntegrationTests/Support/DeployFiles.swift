import Foundation
import TestSupport

/// The files under `deploy/` and the `Dockerfile`, read as data: YAML through
/// python3 and PyYAML (converted to JSON), the Dockerfile by its instructions.
/// A missing python3 or PyYAML is a failure, never a skip.
struct DeployFiles {
    static let repository = ProtoJSON.root.deletingLastPathComponent()
    static let folder = repository.appendingPathComponent("deploy", isDirectory: true)

    /// File name → its YAML documents (several in a file with `---`).
    let yaml: [String: [JSONDocument]]

    static func load() throws -> DeployFiles {
        let names = try fileNames().filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        let script = """
            import json, sys
            try:
                import yaml
            except ImportError:
                sys.exit("PyYAML is missing: install python3-yaml (scripts/setup.sh does)")
            documents = {}
            for path in sys.argv[1:]:
                with open(path) as f:
                    documents[path] = list(yaml.safe_load_all(f))
            json.dump(documents, sys.stdout)
            """
        let paths = names.map { folder.appendingPathComponent($0).path }
        let outcome = try ShellCommand.outcome(
            ["/usr/bin/env", "python3", "-c", script] + paths, environment: ProcessInfo.processInfo.environment)
        guard outcome.status == 0 else {
            throw TestFailure("python3 with PyYAML is needed to read deploy/*.yaml (Debian: python3-yaml) "
                + "but the conversion exited \(outcome.status): \(outcome.standardError)")
        }
        let parsed = try JSONDocument.parse(Array(outcome.standardOutput.utf8))
        var yaml: [String: [JSONDocument]] = [:]
        for (path, documents) in parsed.object {
            yaml[URL(fileURLWithPath: path).lastPathComponent] = documents.array
        }
        return DeployFiles(yaml: yaml)
    }

    /// Every file name in `deploy/`, sorted.
    static func fileNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The text of `deploy/<name>` or, with `inRepository`, of `<repository>/<name>`.
    static func text(_ name: String, inRepository: Bool = false) throws -> String {
        let base = inRepository ? repository : folder
        return try String(contentsOf: base.appendingPathComponent(name), encoding: .utf8)
    }

    /// The one Kubernetes object of `kind` among all files.
    func kubernetes(_ kind: String) throws -> JSONDocument {
        let found = yaml.values.flatMap { $0 }.filter { $0["kind"]?.stringValue == kind }
        guard found.count == 1 else { throw TestFailure("expected one \(kind) in deploy/, found \(found.count)") }
        return found[0]
    }

    /// `compose.yaml`'s services by name.
    func composeServices() throws -> [String: JSONDocument] {
        guard let compose = yaml["compose.yaml"]?.first, let services = compose["services"] else {
            throw TestFailure("deploy/compose.yaml has no services")
        }
        return services.object
    }
}

/// The Dockerfile's instructions, continuation lines joined, comments dropped.
struct Dockerfile {
    /// (keyword in upper case, the rest of the line).
    let instructions: [(keyword: String, arguments: String)]

    static func load() throws -> Dockerfile {
        var instructions: [(String, String)] = []
        var pending = ""
        for raw in try DeployFiles.text("Dockerfile", inRepository: true).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || (line.isEmpty && pending.isEmpty) { continue }
            if line.hasSuffix("\\") {
                pending += String(line.dropLast()) + " "
                continue
            }
            let whole = pending + line
            pending = ""
            let parts = whole.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            instructions.append((keyword.uppercased(), parts.count > 1 ? String(parts[1]) : ""))
        }
        return Dockerfile(instructions: instructions)
    }

    /// The arguments of every `keyword` instruction, in order.
    func all(_ keyword: String) -> [String] {
        instructions.filter { $0.keyword == keyword }.map(\.arguments)
    }

    /// The last `keyword` instruction's JSON (exec form) array.
    func execForm(_ keyword: String) throws -> [String] {
        guard let text = all(keyword).last else { throw TestFailure("the Dockerfile has no \(keyword)") }
        return try JSONDocument.parse(Array(text.utf8)).array.compactMap(\.stringValue)
    }
}

extension JSONDocument {
    var array: [JSONDocument] { if case .array(let items) = self { items } else { [] } }
    var object: [String: JSONDocument] { if case .object(let members) = self { members } else { [:] } }
    var keys: [String] { Array(object.keys) }

    /// A scalar as text: YAML writes `8080` and `"8080"` for the same setting.
    var text: String? {
        switch self {
        case .string(let string): string
        case .number(let number): "\(number)"
        case .bool(let bool): "\(bool)"
        default: nil
        }
    }

    var int: Int? { text.flatMap { Int($0) } }
}
