import Foundation
import ReceiptCore
import ReceiptPostgres
import TestSupport

/// Feeds an event log to the events topic as a stream (in chunks with pauses), so
/// crashes and outages land in the middle of the flow, and waits for the end.
struct StreamDriver: Sendable {
    let topics: TestTopics
    let group: String
    let postgresURL: String

    /// Produces the log in `chunks` chunks, `pauseMs` apart. Blocking.
    func produce(_ log: EventLog, chunks: Int = 20, pauseMs: Int = 100) throws {
        try produce(log, range: 0..<log.entries.count, chunks: chunks, pauseMs: pauseMs)
    }

    /// `produce` of the log's entries in `range` only.
    func produce(_ log: EventLog, range: Range<Int>, chunks: Int = 20, pauseMs: Int = 100) throws {
        let producer = try EventProducer(brokers: topics.brokers, topic: topics.events)
        let size = max(1, range.count / chunks)
        for start in stride(from: range.lowerBound, to: range.upperBound, by: size) {
            let chunk = log.entries[start..<min(start + size, range.upperBound)]
            try producer.send(chunk.map { (key: $0.key, value: $0.value) })
            Thread.sleep(forTimeInterval: Double(pauseMs) / 1_000)
        }
    }

    /// Waits until the checkpoints in PostgreSQL cover all `count` records: every
    /// one applied, announced and flushed.
    /// On a timeout the error lists each partition's checkpoint and what `workers`
    /// logged last, so a stalled rebalance or flush can be told apart.
    func waitUntilCheckpointed(_ count: Int, timeout: Duration = .seconds(120),
                               workers: [RunningWorker] = []) async throws {
        do {
            try await waitUntil("checkpoints covering all \(count) records", timeout: timeout,
                                every: .milliseconds(250)) {
                try await checkpointed() >= count
            }
        } catch let timedOut as TimedOut {
            var report = "\(timedOut); checkpoints by partition: \(try await checkpointsByPartition())"
            for (number, worker) in workers.enumerated() {
                report += "\nworker \(number + 1) logged last:\n\(worker.log.tail)"
            }
            throw CheckpointsStalled(report: report)
        }
    }

    struct CheckpointsStalled: Error, CustomStringConvertible {
        let report: String
        var description: String { report }
    }

    /// `partition: next offset` of each of the group's checkpoints, by partition.
    func checkpointsByPartition() async throws -> String {
        let rows = try await checkpoints(select: "partition, next_offset", then: "ORDER BY partition")
        return try rows.map { "\(try $0.int64("partition") ?? -1): \(try $0.int64("next_offset") ?? -1)" }
            .joined(separator: ", ")
    }

    /// How many records the group's checkpoints cover (offsets start at 0).
    func checkpointed() async throws -> Int {
        let rows = try await checkpoints(select: "coalesce(sum(next_offset), 0) AS covered")
        return Int(try rows.first?.int64("covered") ?? 0)
    }

    /// `select` over the group's checkpoint rows of the events topic, on a connection
    /// of its own thread.
    private func checkpoints(select: String, then clause: String = "") async throws -> PostgresRows {
        let url = postgresURL, group = group, topic = topics.events
        return try await onOwnThread {
            try PostgresConnection.connect(url: url).query(
                "SELECT \(select) FROM consumer_checkpoint WHERE group_id = $1 AND topic = $2 \(clause)", [group, topic])
        }
    }

    /// Every notification on the notify topic, decoded and checked against its schema.
    func notifications() async throws -> [ReceiptCore.Notification] {
        let records = try await onOwnThread { [topics] in
            try TopicReader(brokers: topics.brokers, topic: topics.notify).read(atLeast: 1, settleMs: 1_500)
        }
        return try decodeNotifications(records)
    }
}
