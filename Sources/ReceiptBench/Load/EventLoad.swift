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
    /// Set by `EventProducerLoop`; read only after it finished (or through `produced`).
    public private(set) var produced = 0
    public private(set) var deliveryFailures = 0
    public private(set) var produceSeconds: Double = 0
    /// Partition → offset after its last record, from the delivery reports.
    public private(set) var endOffsets: [Int32: Int64] = [:]
    /// Partition → offset → event index, from the delivery reports.
    public private(set) var eventAt: [Int32: [Int64: Int]] = [:]

    init(capacity: Int) {
        sentAtNanos = []
        ackedAtNanos = []
        kinds = []
        sentAtNanos.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity)
    }

    func append(_ kind: EventKind, sentAt: Int64) {
        sentAtNanos.append(sentAt)
        ackedAtNanos.append(0)
        kinds.append(kind)
    }

    func acknowledge(_ reports: [DeliveryReport]) -> (acknowledged: Int, failed: Int) {
        var failed = 0
        let now = reports.isEmpty ? 0 : WallClock.nowNanos()
        for report in reports {
            if report.error != nil {
                failed += 1
            } else if report.offset >= 0 {
                endOffsets[report.partition] = max(endOffsets[report.partition] ?? 0, report.offset + 1)
                eventAt[report.partition, default: [:]][report.offset] = Int(report.ticket) - 1
                ackedAtNanos[Int(report.ticket) - 1] = now
            }
        }
        return (reports.count, failed)
    }

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
    static func run(generator: inout LoadGenerator, count: Int, ratePerSecond: Int?, topic: String,
                    brokers: String, lingerMs: Int) throws -> EventLoad {
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
        for index in 0..<count {
            if let rate = ratePerSecond {
                // Send each record at its scheduled time: index / rate after the start.
                let due = started + Int64(index) * 1_000_000_000 / Int64(rate)
                while WallClock.nowNanos() < due {
                    let (acked, failed) = load.acknowledge(producer.pollDeliveries(timeoutMs: 1))
                    acknowledged += acked
                    failures += failed
                }
            }
            let now = WallClock.nowNanos()
            value.removeAll(keepingCapacity: true)
            let event = generator.next(sendTimeMs: now / 1_000_000, into: &value)
            load.append(event.kind, sentAt: now)
            try producer.send(topic: topic, key: event.key, value: value, ticket: UInt64(index + 1))
            if index % 1024 == 0 {
                let (acked, failed) = load.acknowledge(producer.pollDeliveries(timeoutMs: 0))
                acknowledged += acked
                failures += failed
            }
        }
        try producer.flush(timeoutMs: 120_000)
        while acknowledged < count {
            let reports = producer.pollDeliveries(timeoutMs: 100)
            if reports.isEmpty { break }
            let (acked, failed) = load.acknowledge(reports)
            acknowledged += acked
            failures += failed
        }
        load.finish(produced: count, failures: failures,
                    seconds: Double(WallClock.nowNanos() - started) / 1e9)
        return load
    }
}
