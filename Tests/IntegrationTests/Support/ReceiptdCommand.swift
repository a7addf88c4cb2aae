import Foundation
import TestSupport

/// The real `receiptd` binary (`.build/debug/receiptd`) run to completion, for
/// what it accepts and how it refuses: no stack needed.
enum ReceiptdCommand {
    /// Runs `receiptd <arguments>` with this process's environment minus every
    /// `RECEIPTD_*` variable (a developer's exported settings must not change the
    /// outcome), plus `environment`.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ShellCommand.Outcome {
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RECEIPTD_") }
        merged.merge(environment) { _, new in new }
        return try ShellCommand.outcome([try WorkerProcess.binary.path] + arguments, environment: merged)
    }

    /// The subcommands `receiptd --help` lists.
    static func subcommands() throws -> Set<String> {
        let help = try run(["--help"])
        guard help.status == 0 else { throw TestFailure("receiptd --help exited \(help.status): \(help.standardError)") }
        let lines = help.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("SUBCOMMANDS:") }) else {
            throw TestFailure("receiptd --help lists no SUBCOMMANDS:\n\(help.standardOutput)")
        }
        // "  run   Run the worker: …", wrapped lines indented further, a blank line after.
        let entries = lines[(start + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let names = entries.filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
        return Set(names.compactMap { $0.split(separator: " ").first.map(String.init) })
    }

    /// Every `RECEIPTD_*` name in the help of `receiptd run` and `receiptd migrate`:
    /// the environment variables the binary reads. `RECEIPTD_KAFKA_` is among them
    /// as a prefix (`RECEIPTD_KAFKA_<NAME>`).
    static func environmentVariables() throws -> Set<String> {
        var names: Set<String> = []
        for subcommand in ["run", "migrate"] {
            let help = try run([subcommand, "--help"])
            guard help.status == 0 else {
                throw TestFailure("receiptd \(subcommand) --help exited \(help.status): \(help.standardError)")
            }
            names.formUnion(variableNames(in: help.standardOutput))
        }
        return names
    }

    /// The `RECEIPTD_[A-Z_]+` names in `text`.
    static func variableNames(in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: "RECEIPTD_[A-Z0-9_]+")
        let range = NSRange(text.startIndex..., in: text)
        return Set(pattern.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }
}
