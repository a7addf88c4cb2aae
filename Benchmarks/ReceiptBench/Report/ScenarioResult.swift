/// The measurements of one scenario: one worker, one load, fresh topics.
public struct ScenarioResult: Sendable, Codable {
    public var name: String
    /// `receiptd` or `naive`.
    public var worker: String
    /// nil: max rate (all events produced before the worker started); else the
    /// fixed production rate in events/s.
    public var targetRate: Int?
    public var events: Int
    public var produceSeconds: Double
    public var produceFailures: Int
    /// Events with at least one output (notification or dead letter).
    public var eventsWithOutput: Int
    /// Events known applied: with an output, or followed in their partition by a
    /// record with one (the worker applies a partition in order). Quiet events
    /// count here only.
    public var eventsDone: Int
    /// Events the generator expects applied without output (reads and acks that
    /// repeat the state), and how many of them were announced anyway: receiptd
    /// announces none; a worker that re-announces every repeat announces all.
    public var quietEvents: Int
    public var quietEventsNotified: Int
    public var notifications: Int
    public var deadLetters: Int
    /// Output records naming no event of this scenario (should be 0).
    public var foreignOutputs: Int
    /// Per event kind: produced, notified, dead-lettered, without any output.
    public var kinds: [String: KindCounts]
    /// Valid events of the handled types (newMsg, markConversationAsRead,
    /// markMsgsAsRead) that change the state, without a notification (should be 0).
    public var validEventsWithoutNotification: Int

    /// Events over the time from the first output to the last.
    public var firstToLastSeconds: Double
    public var eventsPerSecond: Double
    /// Steady state: the middle 80% of events (from the 10th to the 90th percentile
    /// of their output times), leaving out the warm-up and the tail.
    public var steadyEventsPerSecond: Double
    /// produce → first output, in ms, leaving out the first 10% of events (warm-up).
    /// Only for fixed-rate runs; at max rate events wait in the topic by design.
    public var latencyMs: Latency?
    /// produce → the worker producing the first output (its Kafka timestamp, ms
    /// resolution): the worker's share of `latencyMs`, without the broker's delivery.
    public var latencyToProducedMs: Latency?
    /// produce → the broker acknowledging the event to the load generator: the
    /// first stage of `latencyMs`, before the worker could see the event.
    public var latencyToAckedMs: Latency?

    /// Worker CPU seconds (user + system) between the first and the last output,
    /// per million events.
    public var cpuSecondsPerMillionEvents: Double?
    /// The worker's VmHWM at the end of the run.
    public var peakRSSMiB: Double?
    /// Durability lag, sampled every 400 ms between the first and the last output:
    /// how long ago the oldest applied (notified) event not yet covered by a
    /// checkpoint in PostgreSQL was applied, over all partitions.
    public var checkpointAgeSeconds: Summary?
    /// `now() - updated_at` of the oldest checkpoint among partitions with records it
    /// does not cover yet, consumed or not: high when a partition waits unconsumed.
    public var checkpointStallSeconds: Summary?
    /// Whole-machine CPU busy fraction between the first and the last output (all
    /// cores; the broker, Redis, PostgreSQL and this tool share the machine).
    public var machineBusyFraction: Double?
    /// Average cores used between the first and the last output by the worker, and
    /// by this tool (producing the load, reading the outputs live).
    public var workerCores: Double?
    public var benchCores: Double?
    /// Every event was done (`eventsDone`) before the timeout.
    public var complete: Bool
    /// Once a second from the first output to the end of sampling.
    public var timeline: [TimelinePoint] = []

    public struct TimelinePoint: Sendable, Codable {
        /// Seconds since the first output.
        public var t: Double
        /// Events done so far, and records covered by checkpoints so far.
        public var eventsDone: Int
        public var checkpointed: Int?
        /// Worker CPU over the past second, in cores (1.0 = one core busy).
        public var workerCores: Double?
        public var rssMiB: Double?
        public var checkpointAgeSeconds: Double?
        public var checkpointStallSeconds: Double?
    }

    public struct KindCounts: Sendable, Codable {
        public var produced = 0
        /// Expected to be applied without output.
        public var quiet = 0
        public var notified = 0
        public var deadLettered = 0
        public var withoutOutput = 0
    }

    public struct Latency: Sendable, Codable {
        public var samples: Int
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
    }

    public struct Summary: Sendable, Codable {
        public var samples: Int
        public var p50: Double
        public var max: Double
    }
}
