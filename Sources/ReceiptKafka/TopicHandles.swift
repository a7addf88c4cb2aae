import CRdKafka
import Synchronization

/// A producer's topic handles, created on first use and kept until the producer goes.
///
/// Producing by handle skips librdkafka's lookup of the topic by name, which takes the
/// client's lock and scans its topic list for every record. The last topic used is
/// checked first, so a run of records to one topic costs no hashing either.
final class TopicHandles: Sendable {
    private struct Handles {
        var last: (name: String, handle: UInt)?
        /// Handles as bit patterns (`OpaquePointer` is not `Sendable`).
        var byName: [String: UInt] = [:]
    }

    private let handles = Mutex(Handles())

    /// The handle of `topic`, created on `client` the first time; nil when librdkafka
    /// refuses the name.
    func handle(for topic: String, on client: OpaquePointer) -> OpaquePointer? {
        let bits = handles.withLock { handles -> UInt in
            if let last = handles.last, last.name == topic { return last.handle }
            var bits = handles.byName[topic] ?? 0
            if bits == 0 {
                bits = UInt(bitPattern: rd_kafka_topic_new(client, topic, nil))
                guard bits != 0 else { return 0 }
                handles.byName[topic] = bits
            }
            handles.last = (topic, bits)
            return bits
        }
        return OpaquePointer(bitPattern: bits)
    }

    /// Releases every handle; records already enqueued hold references of their own.
    func destroyAll() {
        handles.withLock { handles in
            for bits in handles.byName.values { rd_kafka_topic_destroy(OpaquePointer(bitPattern: bits)) }
            handles = Handles()
        }
    }
}
