/// Records for one topic, keyed and encoded back to back into one buffer: what
/// `KafkaProducer.send(_:)` hands to librdkafka in a single call. Reuse one with
/// `removeAll()`, so that its records cost no allocation of their own once it has
/// grown (each `send` allocates one array of C descriptors, one per record).
public struct OutgoingRecords: Sendable {
    public let topic: String
    /// Every key and value, back to back.
    private(set) var bytes: [UInt8] = []
    private(set) var entries: [Entry] = []

    struct Entry {
        var key: Range<Int>
        var value: Range<Int>
        var ticket: UInt64
    }

    public init(topic: String) {
        self.topic = topic
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Appends a record keyed by `key`'s UTF-8 bytes, whose value is what `writeValue`
    /// appends to the buffer it is given; its delivery report carries `ticket` (at least 1).
    public mutating func append(key: String, ticket: UInt64, value writeValue: (inout [UInt8]) -> Void) {
        precondition(ticket >= 1, "send tickets start at 1")
        let keyStart = bytes.count
        bytes.append(contentsOf: key.utf8)
        let valueStart = bytes.count
        writeValue(&bytes)
        entries.append(Entry(key: keyStart..<valueStart, value: valueStart..<bytes.count, ticket: ticket))
    }

    /// Empties the records, keeping their storage.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    /// The record at `index` on its own, for sending it again one by one.
    public func record(at index: Int) -> OutgoingRecord {
        let entry = entries[index]
        return OutgoingRecord(topic: topic, key: Array(bytes[entry.key]), value: Array(bytes[entry.value]))
    }

    public func ticket(at index: Int) -> UInt64 { entries[index].ticket }
}
