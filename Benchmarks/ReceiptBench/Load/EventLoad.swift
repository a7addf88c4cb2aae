import ReceiptKafka

/// What one produced load looked like, per record: when it was sent and what it is.
/// Indexed by the number in the eventID.
public final class EventLoad: @unchecked Sendable {
    /// Wall-clock ns at which the record was handed to the producer.
    public private(set) var sentAtNanos: [Int64]
    /// Wall-clock ns at which the broker's acknowledgement was seen (0: never),
    /// to within the producer loop's 1 ms poll: the first stage of the latency.
    public private(set) var ackedAtNanos: [Int64]
    public private(set) var kinds: [EventKind]
    /// Per record: the generator expects it applied without output (a repeat).
    public private(set) var quiet: [Bool]
    /// Records from this index on are end markers (`LoadGenerator.endMarker`).
    public private(set) var firstEndMarker = 0
    /// Set by `EventProducerLoop`; read only after it finished (or through `produced`).
    public private(set) var produced = 0
    public private(set) var deliveryFailures = 0
    public private(set) var produceSeconds: Double = 0
    /// Per partition (by number), which event each offset holds, from the delivery
    /// reports.
    public private(set) var eventAt: [PartitionOffsets] = []

    init(capacity: Int) {
        sentAtNanos = []
        ackedAtNanos = []
        kinds = []
        quiet = []
        sentAtNanos.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity)
        quiet.reserveCapacity(capacity)
    }

    func append(_ record: GeneratedRecord, sentAt: Int64) {
        sentAtNanos.append(sentAt)
        ackedAtNanos.append(0)
        kinds.append(record.kind)
        quiet.append(record.quiet)
    }

    /// Whether every partition of `0..<partitions` ends with an end marker.
    func endsWithMarkers(partitions: Int32) -> Bool {
        (0..<partitions).allSatisfy { partition in
            let end = endOffset(of: partition)
            return end > 0 && (eventAt[Int(partition)].eventIndex(at: end - 1) ?? -1) >= firstEndMarker
        }
    }

    /// The offset after a partition's last record; 0 for a partition never written.
    public func endOffset(of partition: Int32) -> Int64 {
        Int(partition) < eventAt.count ? eventAt[Int(partition)].endOffset : 0
    }

    /// Records the acknowledged records of `deliveries` (a failed one is counted, not
    /// sent again: the run then reports it as a produce failure).
    func acknowledge(_ deliveries: Deliveries) -> (acknowledged: Int, failed: Int) {
        let now = deliveries.isEmpty ? 0 : WallClock.nowNanos()
        for acknowledgement in deliveries.acknowledged where acknowledgement.offset >= 0 {
            let partition = Int(acknowledgement.partition)
            if partition >= eventAt.count {
                eventAt.append(contentsOf: repeatElement(PartitionOffsets(), count: partition + 1 - eventAt.count))
            }
            let index = Int(acknowledgement.ticket) - 1
            eventAt[partition].set(index, at: acknowledgement.offset)
            ackedAtNanos[index] = now
        }
        return (deliveries.acknowledged.count + deliveries.failed.count, deliveries.failed.count)
    }

    func markEndMarkers(from index: Int) { firstEndMarker = index }

    func finish(produced: Int, failures: Int, seconds: Double) {
        self.produced = produced
        deliveryFailures = failures
        produceSeconds = seconds
    }
}

/// Produces `count` generated events to the events topic, keyed by conversationID,
/// at max rate or at a fixed rate, and waits until the broker acknowledged all.
/// Blocking: run it on its own thread.
enum EventProducerLoop {
    /// After the `count` records, end markers go out until each of the topic's
    /// `partitions` ends with one (about partitions × ln(partitions) of them).
    static func run(generator: inout LoadGenerator, count: Int, ratePerSecond: Int?, topic: String,
                    partitions: Int32, brokers: String, lingerMs: Int) throws -> EventLoad {
        let producer = try KafkaProducer.make(configuration: KafkaConfiguration(properties: [
            "bootstrap.servers": brokers,
            "linger.ms": String(lingerMs),
            "batch.num.messages": "10000",
            "queue.buffering.max.messages": "1000000",
            "queue.buffering.max.kbytes": "1048576",
        ], enqueueTimeoutMs: 60_000))
        let load = EventLoad(capacity: count)
        let started = WallClock.nowNanos()
        var failures = 0
        var acknowledged = 0
        var value: [UInt8] = []  // each record's value, reused: librdkafka copies it
        var deliveries = Deliveries()  // reused by every poll
        func acknowledge(timeoutMs: Int32) {
            producer.pollDeliveries(timeoutMs: timeoutMs, into: &deliveries)
            let (acked, failed) = load.acknowledge(deliveries)
            acknowledged += acked
            failures += failed
        }
        for index in 0..<count {
            if let rate = ratePerSecond {
                // Send each record at its scheduled time: index / rate after the start.
                let due = started + Int64(index) * 1_000_000_000 / Int64(rate)
                while WallClock.nowNanos() < due { acknowledge(timeoutMs: 1) }
            }
            let now = WallClock.nowNanos()
            value.removeAll(keepingCapacity: true)
            let event = generator.next(sendTimeMs: now / 1_000_000, into: &value)
            load.append(event, sentAt: now)
            try producer.send(topic: topic, key: event.key, value: value, ticket: UInt64(index + 1))
            if index % 1024 == 0 { acknowledge(timeoutMs: 0) }
        }
        var produced = count
        func flushAndAcknowledge() throws {
            try producer.flush(timeoutMs: 120_000)
            while acknowledged < produced {
                acknowledge(timeoutMs: 100)
                if deliveries.isEmpty { break }
            }
        }
        try flushAndAcknowledge()
        load.markEndMarkers(from: produced)
        // Keys spread over the partitions at random: a round of `partitions` markers
        // at a time until each partition has one, bounded.
        while !load.endsWithMarkers(partitions: partitions) {
            guard produced - count < 64 * Int(partitions) else {
                throw BenchError("\(produced - count) end markers did not reach every one of \(partitions) partitions")
            }
            for _ in 0..<partitions {
                let now = WallClock.nowNanos()
                value.removeAll(keepingCapacity: true)
                let marker = generator.endMarker(sendTimeMs: now / 1_000_000, into: &value)
                load.append(marker, sentAt: now)
                produced += 1
                try producer.send(topic: topic, key: marker.key, value: value, ticket: UInt64(marker.index + 1))
            }
            try flushAndAcknowledge()
        }
        load.finish(produced: produced, failures: failures,
                    seconds: Double(WallClock.nowNanos() - started) / 1e9)
        return load
    }
}

/// Which event each offset of one partition holds. The bench's topics are fresh, so
/// a partition's offsets are dense from its first: an array indexed by offset, where
/// a map of every event cost the generator's thread a hash per acknowledgement.
public struct PartitionOffsets: Sendable {
    /// The offset of `events[0]`.
    private var base: Int64 = 0
    /// Event index per offset from `base`; -1 where no event was acknowledged.
    private var events: [Int] = []

    /// The offset of the first acknowledged record.
    public var startOffset: Int64 { base }

    /// The offset after the last acknowledged record; 0 when none was.
    public var endOffset: Int64 { events.isEmpty ? 0 : base + Int64(events.count) }

    /// The event at `offset`, if one was acknowledged there.
    public func eventIndex(at offset: Int64) -> Int? {
        let slot = offset - base
        guard slot >= 0, slot < events.count, events[Int(slot)] >= 0 else { return nil }
        return events[Int(slot)]
    }

    mutating func set(_ index: Int, at offset: Int64) {
        if events.isEmpty { base = offset }
        if offset < base {  // acknowledged out of order: room below the first offset
            events.insert(contentsOf: repeatElement(-1, count: Int(base - offset)), at: 0)
            base = offset
        }
        let slot = Int(offset - base)
        if slot >= events.count { events.append(contentsOf: repeatElement(-1, count: slot + 1 - events.count)) }
        events[slot] = index
    }
}
