/// One poll's records stored column-wise: every key and value in one byte buffer,
/// and per record a fixed-size entry (topic, partition, offset, timestamp, and where
/// its key and value lie in the buffer). A batch of any size is a few allocations,
/// and freeing it releases no per-record object: `[KafkaRecord]` costs two
/// allocations per record, and their release, on a consumer's hot path.
///
/// Records come without headers. Read one by index; `record(at:)` copies one out
/// as a `KafkaRecord`.
public struct RecordBatch: Sendable {
    private struct Entry {
        var topic: Int32
        var partition: Int32
        var offset: Int64
        /// -1 when not known.
        var timestampMs: Int64
        /// Where the key starts in `bytes`; the value follows it.
        var start: Int
        /// -1 when the record has no key.
        var keyCount: Int32
        var valueCount: Int32

        /// Where the key lies in `bytes`; nil when the record has no key.
        var keyRange: Range<Int>? { keyCount < 0 ? nil : start..<start + Int(keyCount) }
        /// Where the value lies in `bytes`.
        var valueRange: Range<Int> {
            let valueStart = start + Int(max(keyCount, 0))
            return valueStart..<valueStart + Int(valueCount)
        }
    }

    private var topics: [String] = []
    private var entries: [Entry] = []
    private var bytes: [UInt8] = []

    public init() {}

    /// A batch holding copies of `records` (their headers are left out).
    public init(_ records: [KafkaRecord]) {
        for record in records {
            record.value.withUnsafeBytes { value in
                withOptionalBytes(record.key) { key in
                    append(topic: record.topic, partition: record.partition, offset: record.offset,
                           timestampMs: record.timestampMs ?? -1, key: key, value: value)
                }
            }
        }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var indices: Range<Int> { entries.indices }

    public func topic(at index: Int) -> String { topics[Int(entries[index].topic)] }
    public func partition(at index: Int) -> Int32 { entries[index].partition }
    public func offset(at index: Int) -> Int64 { entries[index].offset }
    public func topicPartition(at index: Int) -> TopicPartition {
        TopicPartition(topic: topic(at: index), partition: entries[index].partition)
    }

    /// Producer (create) or broker (log-append) time in ms since the epoch, when known.
    public func timestampMs(at index: Int) -> Int64? {
        let timestamp = entries[index].timestampMs
        return timestamp >= 0 ? timestamp : nil
    }

    /// nil when the record has no key.
    public func key(at index: Int) -> ArraySlice<UInt8>? {
        entries[index].keyRange.map { bytes[$0] }
    }

    /// Empty when the record's value is null.
    public func value(at index: Int) -> ArraySlice<UInt8> { bytes[entries[index].valueRange] }

    /// A copy of one record, without headers.
    public func record(at index: Int) -> KafkaRecord {
        KafkaRecord(topic: topic(at: index), partition: partition(at: index), offset: offset(at: index),
                    key: key(at: index).map(Array.init), value: Array(value(at: index)),
                    timestampMs: timestampMs(at: index))
    }

    /// The records whose partition `isIncluded` accepts, in order.
    public func filter(partitions isIncluded: (TopicPartition) -> Bool) -> RecordBatch {
        copying(indices.filter { isIncluded(topicPartition(at: $0)) })
    }

    /// The records at `range`, in order.
    public func records(in range: Range<Int>) -> RecordBatch {
        copying(range)
    }

    private func copying(_ chosen: some Sequence<Int>) -> RecordBatch {
        var kept = RecordBatch()
        for index in chosen {
            let entry = entries[index]
            bytes.withUnsafeBytes { all in
                let value = UnsafeRawBufferPointer(rebasing: all[entry.valueRange])
                let key = entry.keyRange.map { UnsafeRawBufferPointer(rebasing: all[$0]) }
                kept.append(topic: topic(at: index), partition: entry.partition, offset: entry.offset,
                            timestampMs: entry.timestampMs, key: key, value: value)
            }
        }
        return kept
    }

    /// Empties the batch, keeping its storage for the next records.
    mutating func removeAll() {
        topics.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
    }

    /// Appends one record, copying its key and value. Records of one topic in a row
    /// share its entry in `topics`.
    mutating func append(topic: String, partition: Int32, offset: Int64, timestampMs: Int64,
                         key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) {
        if topics.last != topic { topics.append(topic) }
        let start = bytes.count
        if let key { bytes.append(contentsOf: key) }
        bytes.append(contentsOf: value)
        entries.append(Entry(topic: Int32(topics.count - 1), partition: partition, offset: offset,
                             timestampMs: timestampMs, start: start, keyCount: key.map { Int32($0.count) } ?? -1,
                             valueCount: Int32(value.count)))
    }
}
