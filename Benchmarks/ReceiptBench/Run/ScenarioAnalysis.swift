import Histogram

/// Turns what a scenario recorded (the load, the outputs, the samples) into its
/// `ScenarioResult`.
struct ScenarioAnalysis {
    var name: String
    var worker: String
    var targetRate: Int?
    var load: EventLoad
    var outputs: OutputCollector.Result
    var processSamples: [RunSampler.ProcessSample]
    var checkpointSamples: [RunSampler.CheckpointSample]

    /// Share of events left out at the start (warm-up) and, for throughput, at the end.
    static let warmupShare = 0.1

    func result() -> ScenarioResult {
        let count = load.produced
        let doneNanos = self.doneNanos()
        let doneTimes = doneNanos.filter { $0 > 0 }.sorted()
        let first = doneTimes.first ?? 0, last = doneTimes.last ?? 0
        let span = Double(last - first) / 1e9
        var steady = 0.0
        if doneTimes.count >= 10 {
            let lo = doneTimes[Int(Double(doneTimes.count) * Self.warmupShare)]
            let hi = doneTimes[Int(Double(doneTimes.count) * (1 - Self.warmupShare)) - 1]
            let middle = Double(doneTimes.count) * (1 - 2 * Self.warmupShare)
            steady = hi > lo ? middle / (Double(hi - lo) / 1e9) : 0
        }
        let (kinds, validMissing) = kindCounts()
        let quiet = (0..<count).filter { load.quiet[$0] }
        return ScenarioResult(
            name: name, worker: worker, targetRate: targetRate, events: count,
            produceSeconds: load.produceSeconds, produceFailures: load.deliveryFailures,
            eventsWithOutput: outputs.eventsWithOutput, eventsDone: doneTimes.count, quietEvents: quiet.count,
            quietEventsNotified: quiet.filter { outputs.notified[$0] }.count, notifications: outputs.notifications,
            deadLetters: outputs.deadLetters, foreignOutputs: outputs.foreignOutputs,
            kinds: kinds, validEventsWithoutNotification: validMissing,
            firstToLastSeconds: span, eventsPerSecond: span > 0 ? Double(doneTimes.count) / span : 0,
            steadyEventsPerSecond: steady,
            latencyMs: targetRate == nil ? nil : latency(outputs.firstOutputNanos),
            // With no worker, the output is the event record itself: nothing was produced.
            latencyToProducedMs: targetRate == nil || worker == Scenario.Worker.brokerAlone.rawValue
                ? nil : latency(outputs.firstOutputProducedNanos),
            latencyToAckedMs: targetRate == nil ? nil : latency(load.ackedAtNanos),
            cpuSecondsPerMillionEvents: cpuPerMillion(from: first, to: last, events: doneTimes.count),
            peakRSSMiB: processSamples.last.map { Double($0.process.peakRSSKiB) / 1024 },
            checkpointAgeSeconds: checkpointAge(from: first, to: last, doneNanos: doneNanos),
            checkpointStallSeconds: checkpointStall(from: first, to: last),
            machineBusyFraction: machineBusy(from: first, to: last),
            workerCores: cores(from: first, to: last) { $0.process.cpuSeconds },
            benchCores: cores(from: first, to: last) { $0.benchCPUSeconds },
            complete: doneTimes.count == count,
            timeline: timeline(doneTimes: doneTimes, doneNanos: doneNanos))
    }

    /// When each event was known applied: the first output of it or of any later
    /// record of its partition (the worker applies a partition in order, so a later
    /// record's output means this one is applied). 0: not known applied. A quiet
    /// event has no output of its own; the load's end markers close every partition.
    func doneNanos() -> [Int64] {
        var done = Array(repeating: Int64(0), count: load.produced)
        for offsets in load.eventAt where offsets.endOffset > 0 {
            var earliestLater: Int64 = 0
            var offset = offsets.endOffset - 1
            while offset >= offsets.startOffset {
                if let index = offsets.eventIndex(at: offset), index < load.produced {
                    let own = outputs.firstOutputNanos[index]
                    if own > 0, earliestLater == 0 || own < earliestLater { earliestLater = own }
                    done[index] = earliestLater
                }
                offset -= 1
            }
        }
        return done
    }

    /// One point a second, from the first output to the last sample.
    private func timeline(doneTimes: [Int64], doneNanos: [Int64]) -> [ScenarioResult.TimelinePoint] {
        guard let first = doneTimes.first else { return [] }
        let end = max(doneTimes.last ?? first, processSamples.last?.atNanos ?? first,
                      checkpointSamples.last?.atNanos ?? first)
        var points: [ScenarioResult.TimelinePoint] = []
        var t = first
        while t <= end + 999_999_999 {
            let done = doneTimes.partitioningIndex { $0 > t }
            let checkpoint = checkpointSamples.last { $0.atNanos <= t }
            let now = processSamples.last { $0.atNanos <= t }
            let before = processSamples.last { $0.atNanos <= t - 1_000_000_000 }
            var cores: Double?
            if let now, let before, now.atNanos > before.atNanos {
                cores = (now.process.cpuSeconds - before.process.cpuSeconds) / (Double(now.atNanos - before.atNanos) / 1e9)
            }
            let age = checkpoint.map { checkpointAge($0, doneNanos: doneNanos) }
            let stall = checkpoint.flatMap(checkpointStall)
            points.append(.init(t: Double(t - first) / 1e9, eventsDone: done,
                                checkpointed: checkpoint.map { Int($0.totalNextOffset) }, workerCores: cores,
                                rssMiB: now.map { Double($0.process.rssKiB) / 1024 },
                                checkpointAgeSeconds: age, checkpointStallSeconds: stall))
            t += 1_000_000_000
        }
        return points
    }

    private func kindCounts() -> ([String: ScenarioResult.KindCounts], Int) {
        var counts: [EventKind: ScenarioResult.KindCounts] = [:]
        var validMissing = 0
        for index in 0..<load.produced {
            let kind = load.kinds[index]
            var c = counts[kind, default: .init()]
            c.produced += 1
            if load.quiet[index] { c.quiet += 1 }
            if outputs.notified[index] { c.notified += 1 }
            if outputs.deadLettered[index] { c.deadLettered += 1 }
            if outputs.firstOutputNanos[index] == 0 { c.withoutOutput += 1 }
            counts[kind] = c
            if worker != Scenario.Worker.brokerAlone.rawValue,
               [.newMsg, .markConversationAsRead, .markMsgsAsRead].contains(kind), !load.quiet[index],
               !outputs.notified[index] {
                validMissing += 1
            }
        }
        return (Dictionary(uniqueKeysWithValues: counts.map { ($0.key.label, $0.value) }), validMissing)
    }

    /// produce → first output, in microseconds in an HDR histogram, reported in ms.
    private func latency(_ outputNanos: [Int64]) -> ScenarioResult.Latency? {
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        let skip = Int(Double(load.produced) * Self.warmupShare)
        for index in skip..<load.produced where outputNanos[index] > 0 {
            let micros = max(0, outputNanos[index] - load.sentAtNanos[index]) / 1_000
            _ = histogram.record(UInt64(micros))
        }
        guard histogram.totalCount > 0 else { return nil }
        func ms(_ p: Double) -> Double { Double(histogram.valueAtPercentile(p)) / 1_000 }
        return .init(samples: Int(histogram.totalCount), p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9),
                     max: Double(histogram.max) / 1_000)
    }

    /// The last sample at or before `start` and the first at or after `end`.
    private func bracket(_ start: Int64, _ end: Int64) -> (RunSampler.ProcessSample, RunSampler.ProcessSample)? {
        guard let before = processSamples.last(where: { $0.atNanos <= start }) ?? processSamples.first,
              let after = processSamples.first(where: { $0.atNanos >= end }) ?? processSamples.last,
              after.atNanos > before.atNanos
        else { return nil }
        return (before, after)
    }

    private func cpuPerMillion(from start: Int64, to end: Int64, events: Int) -> Double? {
        guard events > 0, let (a, b) = bracket(start, end) else { return nil }
        return (b.process.cpuSeconds - a.process.cpuSeconds) / Double(events) * 1_000_000
    }

    /// Average CPU cores a process used between the first and the last output.
    private func cores(from start: Int64, to end: Int64, _ cpu: (RunSampler.ProcessSample) -> Double) -> Double? {
        guard let (a, b) = bracket(start, end) else { return nil }
        return (cpu(b) - cpu(a)) / (Double(b.atNanos - a.atNanos) / 1e9)
    }

    private func machineBusy(from start: Int64, to end: Int64) -> Double? {
        guard let (a, b) = bracket(start, end), b.machine.total > a.machine.total else { return nil }
        return Double(b.machine.busy - a.machine.busy) / Double(b.machine.total - a.machine.total)
    }

    /// Checkpoint age at one sample: over the partitions, how long ago the oldest
    /// event that was applied (has an output) but is not covered by the checkpoint
    /// got its output. The first uncovered event is the one at the checkpoint's next
    /// offset. 0 when every applied event is covered.
    func checkpointAge(_ sample: RunSampler.CheckpointSample, doneNanos: [Int64]) -> Double {
        var oldest = 0.0
        for (partition, offsets) in load.eventAt.enumerated() {
            let next = sample.partitions[Int32(partition)]?.nextOffset ?? 0
            guard let index = offsets.eventIndex(at: next) else { continue }  // fully covered
            let appliedAt = doneNanos[index]
            guard appliedAt > 0, appliedAt <= sample.atNanos else { continue }  // not applied yet
            oldest = max(oldest, Double(sample.atNanos - appliedAt) / 1e9)
        }
        return oldest
    }

    /// Seconds since a checkpoint last moved, for partitions with records it does
    /// not cover yet (the brief's `now() - updated_at`). Counts records not yet
    /// consumed too, so it is high when the worker starves a partition.
    func checkpointStall(_ sample: RunSampler.CheckpointSample) -> Double? {
        sample.partitions.filter { $0.value.nextOffset < load.endOffset(of: $0.key) }.values.map(\.ageSeconds).max()
    }

    private func checkpointAge(from start: Int64, to end: Int64, doneNanos: [Int64]) -> ScenarioResult.Summary? {
        summary(checkpointSamples.filter { $0.atNanos >= start && $0.atNanos <= end }
            .map { checkpointAge($0, doneNanos: doneNanos) })
    }

    private func checkpointStall(from start: Int64, to end: Int64) -> ScenarioResult.Summary? {
        summary(checkpointSamples.filter { $0.atNanos >= start && $0.atNanos <= end }.compactMap(checkpointStall))
    }

    private func summary(_ values: [Double]) -> ScenarioResult.Summary? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return .init(samples: sorted.count, p50: sorted[sorted.count / 2], max: sorted.last!)
    }
}

extension Array where Element == Int64 {
    /// The first index whose element satisfies `predicate`, for a sorted array and a
    /// predicate that is false then true.
    func partitioningIndex(where predicate: (Int64) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if predicate(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
