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
        let doneTimes = outputs.firstOutputNanos.filter { $0 > 0 }.sorted()
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
        return ScenarioResult(
            name: name, worker: worker, targetRate: targetRate, events: count,
            produceSeconds: load.produceSeconds, produceFailures: load.deliveryFailures,
            eventsWithOutput: outputs.eventsWithOutput, notifications: outputs.notifications,
            deadLetters: outputs.deadLetters, foreignOutputs: outputs.foreignOutputs,
            kinds: kinds, validEventsWithoutNotification: validMissing,
            firstToLastSeconds: span, eventsPerSecond: span > 0 ? Double(doneTimes.count) / span : 0,
            steadyEventsPerSecond: steady,
            latencyMs: targetRate == nil ? nil : latency(),
            cpuSecondsPerMillionEvents: cpuPerMillion(from: first, to: last, events: doneTimes.count),
            peakRSSMiB: processSamples.last.map { Double($0.process.peakRSSKiB) / 1024 },
            checkpointAgeSeconds: checkpointAge(from: first, to: last),
            machineBusyFraction: machineBusy(from: first, to: last),
            complete: outputs.eventsWithOutput == count)
    }

    private func kindCounts() -> ([String: ScenarioResult.KindCounts], Int) {
        var counts: [EventKind: ScenarioResult.KindCounts] = [:]
        var validMissing = 0
        for index in 0..<load.produced {
            let kind = load.kinds[index]
            var c = counts[kind, default: .init()]
            c.produced += 1
            if outputs.notified[index] { c.notified += 1 }
            if outputs.deadLettered[index] { c.deadLettered += 1 }
            if outputs.firstOutputNanos[index] == 0 { c.withoutOutput += 1 }
            counts[kind] = c
            if [.newMsg, .markConversationAsRead, .markMsgsAsRead].contains(kind), !outputs.notified[index] {
                validMissing += 1
            }
        }
        return (Dictionary(uniqueKeysWithValues: counts.map { ($0.key.label, $0.value) }), validMissing)
    }

    /// produce → first output, in microseconds in an HDR histogram, reported in ms.
    private func latency() -> ScenarioResult.Latency? {
        var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        let skip = Int(Double(load.produced) * Self.warmupShare)
        for index in skip..<load.produced where outputs.firstOutputNanos[index] > 0 {
            let micros = max(0, outputs.firstOutputNanos[index] - load.sentAtNanos[index]) / 1_000
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

    private func machineBusy(from start: Int64, to end: Int64) -> Double? {
        guard let (a, b) = bracket(start, end), b.machine.total > a.machine.total else { return nil }
        return Double(b.machine.busy - a.machine.busy) / Double(b.machine.total - a.machine.total)
    }

    private func checkpointAge(from start: Int64, to end: Int64) -> ScenarioResult.Summary? {
        var ages: [Double] = []
        for sample in checkpointSamples where sample.atNanos >= start && sample.atNanos <= end {
            let pending = sample.partitions.filter { partition, state in
                state.nextOffset < (load.endOffsets[partition] ?? 0)
            }
            if let oldest = pending.values.map(\.ageSeconds).max() { ages.append(oldest) }
        }
        guard !ages.isEmpty else { return nil }
        ages.sort()
        return .init(samples: ages.count, p50: ages[ages.count / 2], max: ages.last!)
    }
}
