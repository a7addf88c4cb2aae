import Foundation
import Logging

/// The last lines an in-process worker logged at info level and above, kept in memory
/// so a test that times out can say what the worker was doing. Warnings and errors
/// are also printed to stderr as they happen, as the default handler would.
final class RecentLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    /// Every distinct message logged, kept past the capacity (messages are fixed texts).
    private var messages: Set<String> = []
    private let capacity: Int

    init(capacity: Int = 60) {
        self.capacity = capacity
    }

    /// A logger writing into this log under `label`.
    func logger(label: String) -> Logger {
        var logger = Logger(label: label) { _ in Handler(log: self) }
        logger.logLevel = .info
        return logger
    }

    /// The kept lines, oldest first, one per line.
    var tail: String {
        lock.withLock { lines.joined(separator: "\n") }
    }

    /// Whether the worker has ever logged `message` (at info level or above).
    func hasLogged(_ message: String) -> Bool {
        lock.withLock { messages.contains(message) }
    }

    fileprivate func append(_ line: String, message: String) {
        lock.withLock {
            messages.insert(message)
            lines.append(line)
            if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
        }
    }

    private struct Handler: LogHandler {
        let log: RecentLog
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = metadata.merging(event.metadata ?? [:]) { _, new in new }
                .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true))
            let text = "\(time) \(event.level) \(event.message) \(fields)"
            log.append(text, message: event.message.description)
            if event.level >= .warning { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        }
    }
}
