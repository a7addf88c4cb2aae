import Foundation

/// Reads a process's CPU time and memory from /proc (Linux).
enum ProcStats {
    struct Process: Sendable {
        /// User + system CPU seconds so far.
        var cpuSeconds: Double
        /// Resident set size now, and its peak (VmHWM), in KiB.
        var rssKiB: Int
        var peakRSSKiB: Int
    }

    /// Whole-machine busy and total jiffies since boot, from the first line of /proc/stat.
    struct Machine: Sendable {
        var busy: UInt64
        var total: UInt64
    }

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func process(_ pid: Int32) -> Process? {
        guard let stat = read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        guard let status = read("/proc/\(pid)/status") else { return nil }
        return Process(cpuSeconds: (utime + stime) / ticksPerSecond,
                       rssKiB: kibField("VmRSS:", in: status), peakRSSKiB: kibField("VmHWM:", in: status))
    }

    static func machine() -> Machine? {
        guard let stat = read("/proc/stat"), let line = stat.split(separator: "\n").first else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard values.count >= 5 else { return nil }
        let idle = values[3] + values[4]  // idle + iowait
        let total = values.reduce(0, +)
        return Machine(busy: total - idle, total: total)
    }

    private static func kibField(_ name: String, in status: String) -> Int {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
        return Int(line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
    }

    private static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
