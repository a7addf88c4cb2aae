/// A connection that receiptd's own thread owns: opened on first use, dropped once it
/// broke, and opened afresh on the next use. The one reconnect rule, for every Redis
/// and PostgreSQL connection of the worker, the flusher and the HTTP readers.
///
/// Not thread-safe, like the connections it holds: the thread that owns it is the
/// only one that touches it.
public struct Reconnecting<Connection: AnyObject, Failure: Error> {
    private var current: Connection?
    private let connect: () throws(Failure) -> Connection
    private let isBroken: (Connection) -> Bool

    /// `connect` opens a connection; `isBroken` says whether one can no longer be used.
    public init(connect: @escaping () throws(Failure) -> Connection, isBroken: @escaping (Connection) -> Bool) {
        self.connect = connect
        self.isBroken = isBroken
    }

    /// The connection, opened now when there is none or the one held broke.
    public mutating func live() throws(Failure) -> Connection {
        if let current, !isBroken(current) { return current }
        current = nil
        let fresh = try connect()
        current = fresh
        return fresh
    }

    /// Whether a connection is held: a failure on a held (reused) connection that
    /// broke may deserve one more try on a fresh one.
    public var isHeld: Bool { current != nil }

    /// Forgets the held connection if it broke. With `only`, forgets it only when it
    /// is that connection (a newer one may have replaced it already).
    public mutating func dropIfBroken(only connection: Connection? = nil) {
        guard let current, isBroken(current) else { return }
        if let connection, connection !== current { return }
        self.current = nil
    }

    /// Gives the connection up now, after `body` had a last word with it.
    public mutating func drop(_ body: (Connection) -> Void = { _ in }) {
        if let current { body(current) }
        current = nil
    }

    /// Runs `body` on the live connection. When it fails on a connection that was
    /// reused and broke (the server may have restarted since), with an error
    /// `isRetriable` accepts, it runs once more on a fresh connection: for work that
    /// is safe to repeat, such as reads.
    public mutating func use<T>(
        _ body: (Connection) throws(Failure) -> T, isRetriable: (Failure) -> Bool
    ) throws(Failure) -> T {
        let reusing = isHeld
        do {
            let result = try body(try live())
            dropIfBroken()
            return result
        } catch {
            dropIfBroken()
            guard reusing, isRetriable(error), !isHeld else { throw error }
        }
        defer { dropIfBroken() }
        return try body(try live())
    }
}
