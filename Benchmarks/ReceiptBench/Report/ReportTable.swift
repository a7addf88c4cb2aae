import Foundation

/// The report as plain-text tables for the terminal and BENCHMARKS.md.
public enum ReportTable {
    public static func render(_ report: BenchReport) -> String {
        var lines: [String] = []
        lines.append("machine: \(report.machine.processors) CPUs, \(report.machine.cpuModel), \(report.machine.memoryMiB) MiB, Linux \(report.machine.kernel)")
        lines.append("mix: \(report.mix.conversations) conversations, group share \(report.mix.groupShare), duplicates \(report.mix.duplicateRate), invalid \(report.mix.invalidRate), seed \(report.mix.seed); \(report.partitions) partitions; linger \(report.lingerMs) ms")
        lines.append("")
        let header = ["scenario", "events", "rate", "events/s steady", "events/s first→last", "p50 ms", "p99 ms",
                      "p99.9 ms", "notif/ev", "CPU s/M ev", "peak RSS MiB", "ckpt age max s", "worker cores", "bench cores", "machine busy", "complete"]
        var rows: [[String]] = []
        for s in report.scenarios {
            rows.append([
                s.name, String(s.events), s.targetRate.map { "\($0)/s" } ?? "max",
                fmt(s.steadyEventsPerSecond, 0), fmt(s.eventsPerSecond, 0),
                s.latencyMs.map { fmt($0.p50, 1) } ?? "-", s.latencyMs.map { fmt($0.p99, 1) } ?? "-",
                s.latencyMs.map { fmt($0.p999, 1) } ?? "-",
                fmt(Double(s.notifications) / Double(max(1, s.events)), 2),
                s.cpuSecondsPerMillionEvents.map { fmt($0, 1) } ?? "-", s.peakRSSMiB.map { fmt($0, 1) } ?? "-",
                s.checkpointAgeSeconds.map { fmt($0.max, 2) } ?? "-",
                s.workerCores.map { fmt($0, 2) } ?? "-", s.benchCores.map { fmt($0, 2) } ?? "-",
                s.machineBusyFraction.map { fmt($0 * 100, 0) + "%" } ?? "-", s.complete ? "yes" : "NO",
            ])
        }
        lines += table(header, rows)
        let timed = report.scenarios.filter { $0.latencyMs != nil }
        if !timed.isEmpty {
            lines.append("")
            lines.append("latency, ms, from an event's produce call to: the broker acknowledging it (acked), the worker producing its notification (produced, its Kafka timestamp), the notification arriving (received)")
            lines += table(["scenario", "to", "samples", "p50", "p90", "p99", "p99.9", "max"], timed.flatMap { s in
                [("acked", s.latencyToAckedMs), ("produced", s.latencyToProducedMs), ("received", s.latencyMs)].compactMap { label, l in
                    l.map { [s.name, label, String($0.samples), fmt($0.p50, 1), fmt($0.p90, 1), fmt($0.p99, 1),
                             fmt($0.p999, 1), fmt($0.max, 1)] }
                }
            })
        }
        if let ceiling = report.ceiling {
            lines.append("")
            lines.append("ceiling: redis-benchmark -P \(ceiling.pipeline) -c \(ceiling.clients) -n \(ceiling.requests)")
            lines += table(["command", "ops/s"], ceiling.commandsPerSecond.sorted { $0.key < $1.key }.map { [$0.key, fmt($0.value, 0)] })
            lines.append("implied ceiling for this mix: \(fmt(ceiling.impliedEventsPerSecond, 0)) events/s")
        }
        if report.receiptdOverNaive != nil || report.receiptdOverCeiling != nil || report.receiptdOverPeer != nil {
            lines.append("")
            if let r = report.receiptdOverPeer { lines.append("receiptd / python pipelined: \(fmt(r, 2))×") }
            if let r = report.receiptdOverNaive { lines.append("receiptd / naive:   \(fmt(r, 1))×") }
            if let r = report.receiptdOverCeiling { lines.append("receiptd / ceiling: \(fmt(r, 3))") }
        }
        for s in report.scenarios {
            lines.append("")
            lines.append("\(s.name): \(s.notifications) notifications for \(s.events) events; \(s.quietEvents) events repeat the state (quiet), \(s.quietEventsNotified) of them announced anyway")
            lines += table(["kind", "produced", "quiet", "notified", "dead-lettered", "no output"],
                           s.kinds.sorted { $0.key < $1.key }.map {
                               [$0.key, String($0.value.produced), String($0.value.quiet), String($0.value.notified),
                                String($0.value.deadLettered), String($0.value.withoutOutput)]
                           })
        }
        for s in report.scenarios where !s.timeline.isEmpty {
            lines.append("")
            lines.append("\(s.name): timeline (t = seconds since the first output)")
            lines += table(["t", "events done", "checkpointed", "worker cores", "RSS MiB", "ckpt age s", "ckpt stall s"],
                           s.timeline.map {
                               [fmt($0.t, 0), String($0.eventsDone), $0.checkpointed.map(String.init) ?? "-",
                                $0.workerCores.map { fmt($0, 2) } ?? "-", $0.rssMiB.map { fmt($0, 0) } ?? "-",
                                $0.checkpointAgeSeconds.map { fmt($0, 1) } ?? "-",
                                $0.checkpointStallSeconds.map { fmt($0, 1) } ?? "-"]
                           })
        }
        return lines.joined(separator: "\n")
    }

    static func fmt(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    /// A Markdown-compatible pipe table.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: " | ") + " |"
        }
        return [line(header), "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"]
            + rows.map(line)
    }
}
