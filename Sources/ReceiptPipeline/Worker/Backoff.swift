/// The wait between attempts of a retried call: `initialMs`, doubling after each
/// failure up to `maxMs`. The one backoff of the worker and the flusher.
struct Backoff {
    private(set) var nextMs: Int
    let maxMs: Int

    init(initialMs: Int, maxMs: Int) {
        nextMs = max(1, initialMs)
        self.maxMs = max(nextMs, maxMs)
    }

    /// The wait before the next attempt; the one after it is twice as long.
    mutating func next() -> Int {
        defer { nextMs = min(nextMs * 2, maxMs) }
        return nextMs
    }
}
