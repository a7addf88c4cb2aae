import ReceiptKafka
import Synchronization

/// Reads the notify and dead-letter topics of one scenario and records, per event,
/// when its first output (notification or dead letter) appeared. It reads until
/// every end marker of the load has its output, then until it has caught up.
///
/// Timing: `.receipt` stamps a record when this process receives it (for latency,
/// while the load runs); `.recordTimestamp` uses the record's Kafka timestamp, the
/// time the worker produced it, so the topics can be read after the run without
/// competing with the worker for CPU (for max-rate throughput).
final class OutputCollector: Sendable {
    enum Timing: Sendable { case receipt, recordTimestamp }

    struct Result: Sendable {
        /// Wall-clock ns of each event's first output; 0 when none arrived.
        var firstOutputNanos: [Int64]
        /// The Kafka timestamp (the worker's produce time) of that first output.
        var firstOutputProducedNanos: [Int64]
        var eventsWithOutput = 0
        var notifications = 0
        var deadLetters = 0
        /// Output records that name no event of this run.
        var foreignOutputs = 0
        /// Events with a notification and events with a dead letter (may overlap).
        var notified: [Bool]
        var deadLettered: [Bool]
    }

    private let consumer: KafkaConsumer
    private let deadLetterTopic: String
    private let scanner: EventIDScanner
    private let eventCount: Int
    private let timing: Timing
    private let stopRequested = Atomic<Bool>(false)
    /// The end markers' indices, once the load is produced.
    private let endMarkers = Mutex<Range<Int>?>(nil)
    let progress = Atomic<Int>(0)
    /// Set once the collector's consumer was given its partitions.
    private let assignedBox: AssignedFlag

    /// `eventCount`: room for every record of the load, end markers included.
    /// `notifyTopic` nil: only `deadLetterTopic` is read.
    init(brokers: String, notifyTopic: String?, deadLetterTopic: String, runTag: String, eventCount: Int,
         timing: Timing) throws {
        let flag = AssignedFlag()
        assignedBox = flag
        consumer = try KafkaConsumer.make(
            configuration: KafkaConfiguration(properties: [
                "bootstrap.servers": brokers,
                "group.id": "\(runTag)-collector",
                "auto.offset.reset": "earliest",
                "session.timeout.ms": "6000",
                "fetch.wait.max.ms": "10",
            ]),
            topics: [notifyTopic, deadLetterTopic].compactMap { $0 },
            rebalance: RebalanceHandler(onAssign: { _ in flag.set(); return [:] }))
        self.deadLetterTopic = deadLetterTopic
        scanner = EventIDScanner(runTag: runTag)
        self.eventCount = eventCount
        self.timing = timing
    }

    func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Reading ends once every end marker of `load` (`EventLoad.firstEndMarker` on)
    /// has an output.
    func finish(afterEndMarkersOf load: EventLoad) {
        endMarkers.withLock { $0 = load.firstEndMarker..<load.produced }
    }

    var isAssigned: Bool { assignedBox.isSet }

    /// Polls until every end marker has an output and every assigned partition is
    /// read up to its high watermark, `stop()` is called, or `timeoutSeconds` pass.
    /// Blocking: run it on its own thread.
    func collect(timeoutSeconds: Int) throws -> Result {
        var result = Result(firstOutputNanos: Array(repeating: 0, count: eventCount),
                            firstOutputProducedNanos: Array(repeating: 0, count: eventCount),
                            notified: Array(repeating: false, count: eventCount),
                            deadLettered: Array(repeating: false, count: eventCount))
        let deadline = WallClock.nowNanos() + Int64(timeoutSeconds) * 1_000_000_000
        var records = RecordBatch()  // one buffer for every poll's records
        var markersSeenAt: Int64?
        var readTo: [TopicPartition: Int64] = [:]  // next offset, per partition read
        while !stopRequested.load(ordering: .relaxed), WallClock.nowNanos() < deadline {
            try consumer.pollBatch(maxRecords: 10_000, timeoutMs: 100, into: &records)
            if let seenAt = markersSeenAt, records.isEmpty, caughtUp(readTo, since: seenAt) { break }
            let receivedAt = WallClock.nowNanos()
            for record in records.indices {
                readTo[TopicPartition(topic: records.topic(at: record), partition: records.partition(at: record))] =
                    records.offset(at: record) + 1
                let producedAt = (records.timestampMs(at: record) ?? 0) * 1_000_000
                let at = timing == .receipt ? receivedAt : producedAt
                var ours = false
                func mark(_ index: Int, deadLetter: Bool) {
                    guard index < eventCount else { return }
                    ours = true
                    if deadLetter { result.deadLettered[index] = true } else { result.notified[index] = true }
                    if result.firstOutputNanos[index] == 0 {
                        result.firstOutputNanos[index] = at
                        result.firstOutputProducedNanos[index] = producedAt
                        result.eventsWithOutput += 1
                    }
                }
                if records.topic(at: record) == deadLetterTopic {
                    result.deadLetters += 1
                    if let index = scanner.deadLetterSource(records.value(at: record)) { mark(index, deadLetter: true) }
                } else {
                    result.notifications += 1
                    scanner.notificationSources(records.value(at: record)) { mark($0, deadLetter: false) }
                }
                if !ours { result.foreignOutputs += 1 }
            }
            progress.store(result.eventsWithOutput, ordering: .relaxed)
            if markersSeenAt == nil, let markers = endMarkers.withLock({ $0 }),
               markers.allSatisfy({ $0 < eventCount && result.firstOutputNanos[$0] > 0 }) {
                markersSeenAt = WallClock.nowNanos()
            }
        }
        try? consumer.close()
        return result
    }

    /// Every assigned partition read up to the high watermark its last fetch
    /// reported: a poll that comes back empty proves nothing while the broker is
    /// slow to answer a fetch. A partition with no watermark yet counts as read
    /// once 5 s passed since the markers were seen (it holds nothing). At least
    /// 1 s after the markers, for outputs of other partitions still on their way.
    private func caughtUp(_ readTo: [TopicPartition: Int64], since markersSeenAt: Int64) -> Bool {
        let waited = WallClock.nowNanos() - markersSeenAt
        guard waited >= 1_000_000_000, let assigned = try? consumer.assignment(), !assigned.isEmpty else { return false }
        return assigned.allSatisfy { partition in
            guard let high = consumer.highWatermark(partition) else { return waited >= 5_000_000_000 }
            return (readTo[partition] ?? 0) >= high
        }
    }
}

/// Set from the consumer's rebalance callback (on the polling thread), read elsewhere.
final class AssignedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
