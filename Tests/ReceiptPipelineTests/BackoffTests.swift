@testable import ReceiptPipeline
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("waits double from the first up to the most, then stay there")
    func doublesUpToTheMost() {
        var backoff = Backoff(initialMs: 100, maxMs: 500)
        #expect((0..<5).map { _ in backoff.next() } == [100, 200, 400, 500, 500])
    }

    @Test("a zero first wait still backs off")
    func zeroStillWaits() {
        var backoff = Backoff(initialMs: 0, maxMs: 4)
        #expect((0..<4).map { _ in backoff.next() } == [1, 2, 4, 4])
    }
}
