import Foundation

/// Wall-clock time in nanoseconds since the epoch (CLOCK_REALTIME), so times taken in
/// this process compare with Kafka record timestamps (ms since the epoch).
enum WallClock {
    static func nowNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    static func sleep(milliseconds: Int) {
        Thread.sleep(forTimeInterval: Double(milliseconds) / 1000)
    }
}
