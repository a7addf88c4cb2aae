import Prometheus
import ReceiptCore
import Synchronization

/// Gauges derived from `WorkerStatus` at scrape time, so they are never older than the
/// scrape. Labels are bounded: a partition number or a dependency name.
///
/// Invariant: exactly the partitions the worker owns now have a
/// `receiptd_consumer_lag` series; a revoked partition's series is removed, not left
/// at its last value. `receiptd_checkpoint_age_seconds` is absent until a first checkpoint.
final class WorkerGauges: Sendable {
    private let registry: PrometheusCollectorRegistry
    /// Partitions with a lag series in the registry. The lock also serializes scrapes.
    private let exportedPartitions = Mutex<Set<Int32>>([])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func update(from snapshot: WorkerStatus.Snapshot, now: ContinuousClock.Instant) {
        exportedPartitions.withLock { exported in
            let checkpointAge = registry.makeGauge(descriptor: Self.checkpointAge)
            if let last = snapshot.lastCheckpoint {
                let age = now - last
                checkpointAge.set(Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18)
            } else {
                registry.unregisterGauge(checkpointAge)
            }

            registry.makeGauge(descriptor: Self.paused).set(snapshot.paused ? 1.0 : 0.0)
            for (dependency, ready) in [("kafka", snapshot.kafkaReady), ("redis", snapshot.redisReady),
                                        ("postgres", snapshot.postgresReady)] {
                registry.makeGauge(descriptor: Self.ready, labels: [("dependency", dependency)]).set(ready ? 1.0 : 0.0)
            }

            for (partition, lag) in snapshot.lag {
                registry.makeGauge(descriptor: Self.consumerLag, labels: [("partition", String(partition))]).set(Double(lag))
            }
            for revoked in exported.subtracting(snapshot.lag.keys) {
                registry.unregisterGauge(
                    registry.makeGauge(descriptor: Self.consumerLag, labels: [("partition", String(revoked))]))
            }
            exported = Set(snapshot.lag.keys)
        }
    }

    static var checkpointAge: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "receiptd", metricName: "checkpoint_age", unitName: "seconds",
                             helpText: "Seconds since the last consumer checkpoint was stored.")
    }
    static var consumerLag: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "receiptd", metricName: "consumer_lag", unitName: "",
                             helpText: "Records between the next offset and the high watermark, per owned partition.")
    }
    static var paused: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "receiptd", metricName: "paused", unitName: "",
                             helpText: "1 while consumption is paused because the unflushed backlog is full.")
    }
    static var ready: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "receiptd", metricName: "ready", unitName: "",
                             helpText: "1 when the worker's last call to the dependency succeeded.")
    }
}
