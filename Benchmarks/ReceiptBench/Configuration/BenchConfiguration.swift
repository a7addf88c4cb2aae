/// Where the stack is and what to run. Plain values with documented defaults; the
/// `receiptd-bench` executable builds it from flags and environment variables.
public struct BenchConfiguration: Sendable, Codable {
    /// Kafka bootstrap servers (`RECEIPTD_BROKERS`).
    public var brokers: String
    /// `redis://host:port/db` (`RECEIPTD_REDIS_URL`).
    public var redisURL: String
    /// libpq URI (`RECEIPTD_POSTGRES_URL`).
    public var postgresURL: String
    /// The `receiptd` executable run as the worker under test. Default: next to
    /// `receiptd-bench`.
    public var receiptdPath: String
    /// The `receiptd-bench` executable, started again as `naive-worker`.
    public var benchPath: String

    /// Events of the max-rate receiptd run, produced before the worker starts.
    /// Default: 1,000,000.
    public var events: Int = 1_000_000
    /// `nil`: max rate (pre-produced). A number: events per second produced while the
    /// worker runs, for latency. Default: nil.
    public var rate: Int?
    /// Length of the fixed-rate latency run of mode `all`, at half the measured max
    /// rate. Default: 20 s.
    public var latencySeconds: Int = 20
    /// The fractions of the max rate mode `latency` runs at. Default: 10%, 25%, 50%.
    public var latencyFractions: [Double] = [0.10, 0.25, 0.50]
    /// Upper bound of the latency run's rate, whatever the max run measured; nil: none.
    /// Default: nil (smoke: 5,000/s, so a short max run cannot make it large).
    public var latencyRateCap: Int?
    /// Events of the naive run (it is slow). Default: 5,000.
    public var naiveEvents: Int = 5_000
    /// The pipelined Python peer (`Benchmarks/peer/pipelined_worker.py`): its
    /// interpreter, in the virtual environment `scripts/setup.sh` makes with the
    /// peer's pinned packages, and its script. Relative paths are from the working
    /// directory. Defaults: `.local/bench-peer/bin/python3`, the script in the repository.
    public var peerPython = ".local/bench-peer/bin/python3"
    public var peerScript = "Benchmarks/peer/pipelined_worker.py"
    /// Events of the peer's max-rate run. Default: nil (as many as receiptd's).
    public var peerEvents: Int?
    /// Requests per redis-benchmark command of the ceiling. Default: 500,000.
    public var ceilingRequests: Int = 500_000
    /// Partitions of the events and notify topics. Default: 8.
    public var partitions: Int32 = 8
    /// `linger.ms` of the load generator's producer and of receiptd's notification
    /// producer (`RECEIPTD_KAFKA_LINGER_MS`, unless `workerEnvironment` sets it).
    /// Default: 20 ms. Tansu's memory storage keeps each produced batch as an object
    /// and its CPU grows with their number while a consumer reads: with librdkafka's
    /// 5 ms the broker alone used a core at 20k events/s (BENCHMARKS.md).
    public var lingerMs: Int = 20
    public var mix = LoadMix()
    /// Longest wait for a run's last output. Default: 600 s.
    public var timeoutSeconds: Int = 600
    /// Extra environment for the receiptd process (e.g. `RECEIPTD_BATCH_SIZE`).
    public var workerEnvironment: [String: String] = [:]
    /// Keep the worker's stderr here (one file per scenario); nil: discard.
    public var logDirectory: String?

    public init(brokers: String, redisURL: String, postgresURL: String, receiptdPath: String, benchPath: String) {
        self.brokers = brokers
        self.redisURL = redisURL
        self.postgresURL = postgresURL
        self.receiptdPath = receiptdPath
        self.benchPath = benchPath
    }

    /// Small and quick (well under a minute): 20,000 events with 1% duplicates and
    /// 1% invalid records, a 4 s latency run at half the max rate, 300 naive events,
    /// 5,000 events for the Python peer, a short ceiling.
    public mutating func applySmoke() {
        events = 20_000
        latencySeconds = 4
        latencyRateCap = 5_000
        naiveEvents = 300
        peerEvents = 5_000
        ceilingRequests = 20_000
        mix.conversations = 500
        mix.duplicateRate = 0.01
        mix.invalidRate = 0.01
        mix.weights.markMsgsAsRead = 0.5
        timeoutSeconds = 90
    }
}

/// Which measurements a run makes.
public enum BenchMode: String, Sendable, Codable, CaseIterable {
    /// receiptd at max rate, receiptd at half that rate, naive, the Python peer, ceiling.
    case all
    /// receiptd only: at max rate, or at `rate`.
    case receiptd
    case naive
    /// The pipelined Python peer at max rate.
    case peer
    /// receiptd at max rate, then at each of `latencyFractions` of that rate: the
    /// broker alone (no worker: the load read straight from the events topic), then
    /// receiptd, each for `latencySeconds`.
    case latency
    case ceiling
}
