import Synchronization

/// A one-way flag another thread raises to ask the worker loop to stop. The loop
/// finishes the batch in hand, drains its deliveries, commits and leaves the group.
public final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public func request() { requested.store(true, ordering: .releasing) }
    public var isRequested: Bool { requested.load(ordering: .acquiring) }
}
