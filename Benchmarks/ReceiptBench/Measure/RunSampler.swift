import Foundation
import ReceiptPostgres
import Synchronization

/// Samples, while a scenario runs, the worker process's CPU and memory (every
/// 200 ms) and its consumer group's checkpoints in PostgreSQL (every 400 ms).
/// Blocking: `run()` on its own thread until `stop()`.
final class RunSampler: @unchecked Sendable {
    struct ProcessSample: Sendable {
        var atNanos: Int64
        var process: ProcStats.Process
        var machine: ProcStats.Machine
        /// This tool's own CPU seconds (load generator and collector).
        var benchCPUSeconds: Double
    }

    struct CheckpointSample: Sendable {
        var atNanos: Int64
        /// partition → (next offset, seconds since that checkpoint last moved)
        var partitions: [Int32: (nextOffset: Int64, ageSeconds: Double)]
        var totalNextOffset: Int64 { partitions.values.reduce(0) { $0 + $1.nextOffset } }
    }

    private let pid: Int32?
    private let postgresURL: String?
    private let group: String
    private let stopRequested = Atomic<Bool>(false)
    /// Sum of the group's checkpointed next offsets at the last sample.
    let checkpointedRecords = Atomic<Int>(0)
    /// Written by the sampling thread; read only after `run()` returned.
    private(set) var processSamples: [ProcessSample] = []
    private(set) var checkpointSamples: [CheckpointSample] = []

    init(pid: Int32?, postgresURL: String?, group: String) {
        self.pid = pid
        self.postgresURL = postgresURL
        self.group = group
    }

    func stop() { stopRequested.store(true, ordering: .relaxed) }

    func run() {
        var connection: PostgresConnection?
        var tick = 0
        while !stopRequested.load(ordering: .relaxed) {
            let now = WallClock.nowNanos()
            if let pid, let process = ProcStats.process(pid), let machine = ProcStats.machine(),
               let own = ProcStats.process(getpid()) {
                processSamples.append(ProcessSample(atNanos: now, process: process, machine: machine,
                                                    benchCPUSeconds: own.cpuSeconds))
            }
            if let postgresURL, tick % 2 == 0 {
                do {
                    if connection == nil || connection?.isBroken == true {
                        connection = try PostgresConnection.connect(url: postgresURL)
                    }
                    if let sample = try sampleCheckpoints(connection!, at: now) {
                        checkpointSamples.append(sample)
                        checkpointedRecords.store(Int(sample.totalNextOffset), ordering: .relaxed)
                    }
                } catch {
                    connection = nil  // the table may not exist before the worker migrated
                }
            }
            tick += 1
            WallClock.sleep(milliseconds: 200)
        }
    }

    private func sampleCheckpoints(_ connection: PostgresConnection, at now: Int64) throws -> CheckpointSample? {
        let rows = try connection.query("""
            SELECT partition, next_offset, extract(epoch FROM now() - updated_at)::float8 AS age
            FROM consumer_checkpoint WHERE group_id = $1
            """, [group])
        var partitions: [Int32: (Int64, Double)] = [:]
        for row in rows {
            guard let partition = try row.int64("partition"), let next = try row.int64("next_offset"),
                  let age = try row.string("age").flatMap(Double.init) else { continue }
            partitions[Int32(partition)] = (next, age)
        }
        return partitions.isEmpty ? nil : CheckpointSample(atNanos: now, partitions: partitions)
    }
}
