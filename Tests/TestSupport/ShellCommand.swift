import Foundation

/// Runs a command to completion with `posix_spawn` and `waitpid`, its output going
/// to files. Foundation's `Process.waitUntilExit` can miss the exit of a script
/// that leaves daemons behind (as `scripts/stack.sh start` does); `waitpid` on the
/// child's own pid cannot.
public enum ShellCommand {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// How a command ended: its exit status (128 + the signal when a signal ended
    /// it) and what it wrote to standard output and standard error.
    public struct Outcome: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String

        /// The lines of standard error (a final newline ends the last line; it
        /// does not start an empty one).
        public var errorLines: [String] {
            guard !standardError.isEmpty else { return [] }
            var lines = standardError.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if standardError.hasSuffix("\n") { lines.removeLast() }
            return lines
        }
    }

    /// Runs `arguments[0]` with the rest as its arguments; returns its output
    /// (standard output and standard error together), and throws with the output
    /// when it exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String]) throws -> String {
        let outcome = try spawn(arguments, environment: environment, mergingErrors: true)
        guard outcome.status == 0 else {
            throw Failed(description: "\(arguments.joined(separator: " ")) failed (status \(outcome.status)):\n\(outcome.standardOutput)")
        }
        return outcome.standardOutput
    }

    /// Runs `arguments[0]` with the rest as its arguments and returns how it ended,
    /// whatever its status; throws only when it cannot be started.
    public static func outcome(_ arguments: [String], environment: [String: String]) throws -> Outcome {
        try spawn(arguments, environment: environment, mergingErrors: false)
    }

    private static func spawn(_ arguments: [String], environment: [String: String],
                              mergingErrors: Bool) throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory
        let out = directory.appendingPathComponent("command-\(UUID().uuidString).out")
        let err = directory.appendingPathComponent("command-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if mergingErrors {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw Failed(description: "could not start \(arguments[0]): errno \(spawned)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let signal = status & 0x7f
        return Outcome(
            status: signal == 0 ? (status >> 8) & 0xff : 128 + signal,
            standardOutput: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }
}

/// A test set-up step that could not be done; the test fails with this message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
