import Foundation

/// Runs a command to completion with `posix_spawn` and `waitpid`, its output going
/// to a file. Foundation's `Process.waitUntilExit` can miss the exit of a script
/// that leaves daemons behind (as `scripts/stack.sh start` does); `waitpid` on the
/// child's own pid cannot.
public enum ShellCommand {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `arguments[0]` with the rest as its arguments; returns its output, and
    /// throws with the output when it exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String]) throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("command-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            throw Failed(description: "\(arguments.joined(separator: " ")) failed (status \(status)):\n\(output)")
        }
        return output
    }
}
