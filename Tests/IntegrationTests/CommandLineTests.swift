import Foundation
import Testing
import TestSupport

/// The real binary refuses a setting it cannot use with exit status 2 and one line
/// on standard error, before it connects to anything; `--help` is not an error.
@Suite("receiptd command line")
struct CommandLineTests {
    /// A command line (and environment) with exactly one thing wrong.
    struct BadSetting: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        var environment: [String: String] = [:]
        /// Text the error line must contain: what the operator got wrong.
        let names: String

        var testDescription: String {
            (["receiptd"] + arguments).joined(separator: " ")
                + environment.map { " (\($0.key)=\($0.value))" }.sorted().joined()
        }
    }

    /// Valid values for the required settings, so each case fails for its own reason.
    static let required = ["--brokers", "127.0.0.1:1", "--postgres-url", "postgresql://nobody@127.0.0.1:1/none"]

    static let badSettings: [BadSetting] = [
        BadSetting(arguments: ["run"] + required + ["--redis-url", "http://127.0.0.1:6379"], names: "--redis-url"),
        BadSetting(arguments: ["run"] + required, environment: ["RECEIPTD_REDIS_URL": "redis://:x@"], names: "--redis-url"),
        BadSetting(arguments: ["run"] + required + ["--api-token-file", "/nonexistent/token"], names: "--api-token-file"),
        BadSetting(arguments: ["run"] + required + ["--api-token", "t", "--api-token-file", "/etc/hostname"],
                   names: "--api-token-file"),
        BadSetting(arguments: ["run"] + required + ["--flush-interval-ms=-5"], names: "--flush-interval-ms"),
        BadSetting(arguments: ["run"] + required, environment: ["RECEIPTD_GROUP_READ_WINDOW_MS": "-1"],
                   names: "--group-read-window-ms"),
        BadSetting(arguments: ["run"] + required + ["--http-port", "70000"], names: "--http-port"),
        BadSetting(arguments: ["run"] + required + ["--batch-size", "many"], names: "--batch-size"),
        BadSetting(arguments: ["run"] + required + ["--no-such-flag"], names: "--no-such-flag"),
        BadSetting(arguments: ["frobnicate"], names: "frobnicate"),
        BadSetting(arguments: ["run", "--postgres-url", "postgresql://nobody@127.0.0.1:1/none"], names: "--brokers"),
        BadSetting(arguments: ["run", "--brokers", "127.0.0.1:1"], names: "--postgres-url"),
        BadSetting(arguments: ["migrate"], names: "--postgres-url"),
        BadSetting(arguments: ["run"] + required + ["--log-level", "loud"], names: "--log-level"),
        BadSetting(arguments: ["run"] + required, environment: ["RECEIPTD_LOG_FORMAT": "xml"], names: "--log-format"),
        BadSetting(arguments: ["run"] + required + ["--exact-read-session-types", "1,x"],
                   names: "--exact-read-session-types"),
        BadSetting(arguments: ["run"] + required + ["--exact-read-session-types", "9"],
                   names: "--exact-read-session-types"),
        BadSetting(arguments: ["run"] + required + ["--kafka-property", "no-equals-sign"], names: "--kafka-property"),
        BadSetting(arguments: ["run"] + required + ["--redis-cluster-nodes", "a:1,,b:2"], names: "--redis-cluster-nodes"),
        BadSetting(arguments: ["run"] + required + ["--redis-cluster-nodes", "a:99999"], names: "--redis-cluster-nodes"),
        BadSetting(arguments: ["run"] + required + ["--redis-cluster-nodes", "a:7000", "--redis-url", "redis://a:7000/3"],
                   names: "--redis-url"),
    ]

    @Test("a bad setting exits with status 2 and one 'receiptd: error:' line naming it", arguments: badSettings)
    func badSettingExitsWithStatusTwoAndOneLine(_ setting: BadSetting) throws {
        let outcome = try ReceiptdCommand.run(setting.arguments, environment: setting.environment)
        #expect(outcome.status == 2, "stderr: \(outcome.standardError)")
        #expect(outcome.errorLines.count == 1, "stderr: \(outcome.standardError)")
        let line = outcome.errorLines.first ?? ""
        #expect(line.hasPrefix("receiptd: error: "), "stderr: \(outcome.standardError)")
        #expect(line.contains(setting.names), "stderr: \(outcome.standardError)")
        #expect(outcome.standardOutput.isEmpty, "stdout: \(outcome.standardOutput)")
    }

    @Test("a bad Redis URL is named in the error line with its password hidden")
    func redisPasswordIsHidden() throws {
        let outcome = try ReceiptdCommand.run(
            ["run"] + Self.required + ["--redis-url", "redis://:hunter2secret@127.0.0.1:notaport/0"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("redis://:***@127.0.0.1:notaport/0"), "stderr: \(outcome.standardError)")
        #expect(!outcome.standardError.contains("hunter2secret"), "stderr: \(outcome.standardError)")
    }

    @Test("--help exits 0 and prints usage on standard output", arguments: [["--help"], ["run", "--help"], ["migrate", "--help"], ["help", "run"]])
    func helpExitsZero(_ arguments: [String]) throws {
        let outcome = try ReceiptdCommand.run(arguments)
        #expect(outcome.status == 0, "stderr: \(outcome.standardError)")
        #expect(outcome.standardOutput.contains("USAGE: receiptd"), "stdout: \(outcome.standardOutput)")
        #expect(outcome.standardError.isEmpty, "stderr: \(outcome.standardError)")
    }

    #if os(Linux)
    @Test("the binary's malloc and free are jemalloc's, not glibc's")
    func heapIsJemalloc() throws {
        // ld.so reports where each symbol was bound; the link order decides it.
        let outcome = try ReceiptdCommand.run(["--help"], environment: ["LD_DEBUG": "bindings"])
        let bindings = outcome.standardError.split(separator: "\n")
            .filter { $0.contains("normal symbol `malloc'") || $0.contains("normal symbol `free'") }
        #expect(!bindings.isEmpty, "ld.so reported no binding of malloc or free")
        let elsewhere = bindings.filter { !$0.contains("libjemalloc") }
        #expect(elsewhere.isEmpty, "bound outside jemalloc: \(elsewhere.prefix(3))")
    }
    #endif

    @Test("every setting of `receiptd run` is documented with its RECEIPTD_* variable")
    func runHelpNamesTheEnvironmentVariables() throws {
        let variables = try ReceiptdCommand.environmentVariables()
        for name in ["RECEIPTD_BROKERS", "RECEIPTD_GROUP", "RECEIPTD_REDIS_URL", "RECEIPTD_POSTGRES_URL",
                     "RECEIPTD_HTTP_PORT", "RECEIPTD_SHUTDOWN_TIMEOUT_SECONDS", "RECEIPTD_LOG_FORMAT",
                     "RECEIPTD_EXACT_READ_SESSION_TYPES", "RECEIPTD_GROUP_READ_WINDOW_MS",
                     "RECEIPTD_FLUSH_INTERVAL_MS", "RECEIPTD_MIGRATE", "RECEIPTD_KAFKA_"] {
            #expect(variables.contains(name), "receiptd run --help does not name \(name)")
        }
    }

    @Test("the README's configuration table lists every variable `receiptd run --help` names, and no other")
    func readmeTableMatchesHelp() throws {
        let help = try ReceiptdCommand.environmentVariables()
        let readme = try DeployFiles.text("README.md", inRepository: true)
        let table = readme.components(separatedBy: "## Configuration")[1].components(separatedBy: "\n## ")[0]
        let rows = Set(table.split(separator: "\n").filter { $0.hasPrefix("| `RECEIPTD_") }.flatMap {
            ReceiptdCommand.variableNames(in: String($0))
        })
        #expect(help.subtracting(rows).isEmpty, "in --help, missing from the README: \(help.subtracting(rows).sorted())")
        #expect(rows.subtracting(help).isEmpty, "in the README, unknown to --help: \(rows.subtracting(help).sorted())")
    }
}
