import Benchmark
import ReceiptBench
import ReceiptCore

/// The per-event and per-batch CPU costs of the hot path, without I/O: decoding an
/// event, building a batch's Redis pipeline (and applying it), encoding a notification,
/// merging a batch's state changes into the unflushed ones. Inputs are the load
/// generator's default mix (newMsg and markConversationAsRead over 5,000 single
/// chats); a batch is receiptd's default 5,000 records.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 10_000)

    let fixtures = MicroFixtures()
    let merge = MergeFixtures()
    let decoder = EventDecoder()
    let newMsg = fixtures.records.first { $0.starts(with: Array(#"{"eventID":"micro-0","type":"newMsg""#.utf8)) }
        ?? fixtures.records[0]
    let read = fixtures.records.first { String(decoding: $0, as: UTF8.self).contains("markConversationAsRead") }
        ?? fixtures.records[1]

    Benchmark("decode one newMsg event", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(decoder.decode(newMsg)) }
    }
    Benchmark("decode one markConversationAsRead event", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(decoder.decode(read)) }
    }
    Benchmark("decode a batch of 5000 records") { benchmark in
        for _ in benchmark.scaledIterations {
            for record in fixtures.records { blackHole(decoder.decode(record)) }
        }
    }
    Benchmark("build a batch's Redis read pipeline (queries + commands, 5000 events)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(BatchPipeline.readCommands(BatchQueries.make(for: fixtures.events)))
        }
    }
    Benchmark("build a batch's queries (BatchQueries only, 5000 events)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(BatchQueries.make(for: fixtures.events)) }
    }
    Benchmark("apply a batch in memory (BatchApplier only, 5000 events)") { benchmark in
        let applier = BatchApplier()
        for _ in benchmark.scaledIterations { blackHole(applier.apply(fixtures.events, snapshots: fixtures.snapshots)) }
    }
    Benchmark("apply a batch in memory and build its write pipeline (5000 events)") { benchmark in
        let applier = BatchApplier()
        for _ in benchmark.scaledIterations {
            let outcome = applier.apply(fixtures.events, snapshots: fixtures.snapshots)
            blackHole(BatchPipeline.writeCommands(outcome.watermarkWrites))
        }
    }
    Benchmark("merge a batch's changes into 1 s of unflushed changes") { benchmark in
        let fixtures = merge
        for _ in benchmark.scaledIterations {
            var pending = fixtures.accumulatedBeforeLast()  // not measured
            benchmark.startMeasurement()
            pending.merge(fixtures.batches[fixtures.batches.count - 1])
            benchmark.stopMeasurement()
            blackHole(pending)
        }
    }
    Benchmark("merge 1 s of batches' changes from empty (15 batches)") { benchmark in
        let fixtures = merge
        for _ in benchmark.scaledIterations {
            var pending = StateChanges()
            for changes in fixtures.batches { pending.merge(changes) }
            blackHole(pending)
        }
    }
    Benchmark("encode one notification", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let notification = fixtures.notifications[0]
        for _ in benchmark.scaledIterations { blackHole(notification.encodeJSON()) }
    }
    Benchmark("encode a batch's notifications") { benchmark in
        for _ in benchmark.scaledIterations {
            for notification in fixtures.notifications { blackHole(notification.encodeJSON()) }
        }
    }
}
