import ReceiptThreads
import Testing

/// The one reconnect rule: open on first use, drop once broken, retry a reused
/// connection that broke once on a fresh one.
@Suite("Reconnecting")
struct ReconnectingTests {
    final class FakeConnection {
        let number: Int
        var broken = false
        init(number: Int) { self.number = number }
    }

    struct Failure: Error { var retriable: Bool }

    final class Opener {
        var opened = 0
        var refuse = false
        func open() throws(Failure) -> FakeConnection {
            if refuse { throw Failure(retriable: true) }
            opened += 1
            return FakeConnection(number: opened)
        }
    }

    func reconnecting(_ opener: Opener) -> Reconnecting<FakeConnection, Failure> {
        Reconnecting(connect: { () throws(Failure) in try opener.open() }, isBroken: \.broken)
    }

    @Test("one connection is reused until it breaks, then a fresh one is opened")
    func reusesUntilBroken() throws {
        let opener = Opener()
        var connection = reconnecting(opener)
        #expect(!connection.isHeld)
        let first = try connection.live()
        #expect(try connection.live() === first)
        first.broken = true
        #expect(try connection.live().number == 2)
        #expect(opener.opened == 2)
    }

    @Test("a retriable failure on a reused connection that broke runs once more on a fresh one")
    func retriesOnceOnAFreshConnection() throws {
        let opener = Opener()
        var connection = reconnecting(opener)
        _ = try connection.live()
        var calls: [Int] = []
        let answer = try connection.use({ (live: FakeConnection) throws(Failure) -> Int in
            calls.append(live.number)
            if live.number == 1 {
                live.broken = true
                throw Failure(retriable: true)
            }
            return live.number
        }, isRetriable: \.retriable)
        #expect(answer == 2)
        #expect(calls == [1, 2])
    }

    @Test("a failure on a fresh connection, or one that is not retriable, is not retried")
    func noRetryWithoutCause() throws {
        let opener = Opener()
        var connection = reconnecting(opener)
        var calls = 0
        #expect(throws: Failure.self) {
            try connection.use({ (live: FakeConnection) throws(Failure) -> Int in
                calls += 1
                live.broken = true
                throw Failure(retriable: true)
            }, isRetriable: \.retriable)
        }
        #expect(calls == 1, "the connection was fresh: nothing to blame on a restart")
        _ = try connection.live()
        #expect(throws: Failure.self) {
            try connection.use({ (live: FakeConnection) throws(Failure) -> Int in
                calls += 1
                live.broken = true
                throw Failure(retriable: false)
            }, isRetriable: \.retriable)
        }
        #expect(calls == 2)
    }

    @Test("dropIfBroken(only:) leaves a newer connection alone; drop gives the last word")
    func dropping() throws {
        let opener = Opener()
        var connection = reconnecting(opener)
        let first = try connection.live()
        first.broken = true
        let second = try connection.live()
        second.broken = true
        connection.dropIfBroken(only: first)
        #expect(connection.isHeld, "the broken connection held is not the one named")
        var lastWord: Int?
        connection.drop { lastWord = $0.number }
        #expect(lastWord == 2 && !connection.isHeld)
    }
}
