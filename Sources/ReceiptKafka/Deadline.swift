/// The time by which a blocking call must return, handed to librdkafka in pieces.
struct Deadline {
    /// nil: no deadline (a negative timeout, librdkafka's "wait forever").
    private let end: ContinuousClock.Instant?

    init(afterMs timeoutMs: Int32) {
        end = timeoutMs < 0 ? nil : .now + .milliseconds(timeoutMs)
    }

    /// Milliseconds left, rounded up; 0 once passed, -1 without a deadline.
    var remainingMs: Int32 {
        guard let end else { return -1 }
        let left = ContinuousClock.now.duration(to: end)
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }

    var hasPassed: Bool { remainingMs == 0 }
}
