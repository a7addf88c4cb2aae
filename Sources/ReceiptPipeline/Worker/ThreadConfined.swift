/// A value confined to one thread, handed across an API that demands `Sendable`.
///
/// The one escape hatch of this module: librdkafka runs rebalance callbacks inside
/// `poll()`, on the worker thread that called it, so the worker reached through
/// this box is only ever touched on its own thread.
final class ThreadConfined<Value>: @unchecked Sendable {
    var value: Value

    init(_ value: Value) {
        self.value = value
    }
}
