import Foundation

/// A worker under test, running as a child process so its CPU time and peak RSS can
/// be read from /proc: `receiptd run --migrate`, or `receiptd-bench naive-worker`.
final class WorkerProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    /// Starts `executable` with `arguments`. The environment is this process's without
    /// any `RECEIPTD_*` variable, plus `environment`. stderr goes to `logPath`.
    init(executable: String, arguments: [String], environment: [String: String], logPath: String) throws {
        self.logPath = logPath
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RECEIPTD_") }
        env.merge(environment) { _, ours in ours }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = env
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Waits until the worker logged that it was given partitions (it then polls).
    func waitUntilAssigned(timeoutSeconds: Int) throws {
        let deadline = Date().addingTimeInterval(Double(timeoutSeconds))
        while Date() < deadline {
            guard process.isRunning else {
                throw BenchError("the worker exited with status \(process.terminationStatus) before it was assigned partitions; see \(logPath)")
            }
            if let log = try? String(contentsOfFile: logPath, encoding: .utf8), log.contains("partitions assigned") {
                return
            }
            WallClock.sleep(milliseconds: 50)
        }
        throw BenchError("the worker was not assigned partitions within \(timeoutSeconds) s; see \(logPath)")
    }

    /// SIGTERM (the worker finishes, flushes and leaves its group), then SIGKILL after
    /// `graceSeconds`. Returns the exit status.
    @discardableResult
    func stop(graceSeconds: Int = 30) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        let deadline = Date().addingTimeInterval(Double(graceSeconds))
        while process.isRunning, Date() < deadline { WallClock.sleep(milliseconds: 20) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
