import CRdKafka

extension KafkaProducer {
    /// Enqueues every record of `records` in one librdkafka call per attempt
    /// (`rd_kafka_produce_batch`): the per-record costs of `send` (its checks, clock
    /// reads and topic lookup) are paid once per batch. Each record's `DeliveryReport`
    /// carries its ticket, as with `send`.
    ///
    /// While the local queue is full, serves delivery reports to make room, for up to
    /// the configured enqueue timeout while no record gets in, and goes on from the
    /// first record not taken.
    /// Returns the records librdkafka refused (by index, with the reason, in order),
    /// which were not enqueued: the caller sends them again one by one, or gives up.
    public func send(_ records: OutgoingRecords) -> [(index: Int, error: KafkaError)] {
        guard !records.isEmpty else { return [] }
        var refused: [(index: Int, error: KafkaError)] = []
        guard let topic = topics.handle(for: records.topic, on: client.handle) else {
            // librdkafka refused to make a handle for the name: one by one, each
            // record then fails with librdkafka's own error for it.
            for index in 0..<records.count {
                do throws(KafkaError) {
                    try send(records.record(at: index), ticket: records.ticket(at: index))
                } catch {
                    refused.append((index, error))
                }
            }
            return refused
        }
        var start = 0
        var deadline: Deadline?
        var messages = [rd_kafka_message_t](repeating: rd_kafka_message_t(), count: records.count)
        while start < records.count {
            let queueFullAt = produce(records, from: start, to: topic, messages: &messages, refused: &refused)
            guard let queueFullAt else { break }
            // Everything from `queueFullAt` on was refused for lack of room. Records got
            // in since the last wait: the queue drains, so the wait starts again, as it
            // does for each record `send` enqueues.
            if queueFullAt > start { deadline = nil }
            guard waitedForRoom(within: &deadline) else {
                let error = KafkaError.local(.queueFull, queueStayedFull)
                refused += (queueFullAt..<records.count).map { ($0, error) }
                break
            }
            start = queueFullAt
        }
        return refused
    }

    /// One `rd_kafka_produce_batch` of the records from `start` on. Adds to `refused`
    /// each one refused for a reason other than a full queue, and returns the first
    /// refused for a full queue (librdkafka refuses every one after it too), if any.
    private func produce(_ records: OutgoingRecords, from start: Int, to topic: OpaquePointer,
                         messages: inout [rd_kafka_message_t],
                         refused: inout [(index: Int, error: KafkaError)]) -> Int? {
        let count = records.count - start
        let taken = records.bytes.withUnsafeBytes { bytes in
            messages.withUnsafeMutableBufferPointer { messages in
                let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress)
                for i in 0..<count {
                    let entry = records.entries[start + i]
                    messages[i] = rd_kafka_message_t()
                    messages[i].payload = base.map { $0 + entry.value.lowerBound }
                    messages[i].len = entry.value.count
                    messages[i].key = base.map { $0 + entry.key.lowerBound }
                    messages[i].key_len = entry.key.count
                    messages[i]._private = UnsafeMutableRawPointer(bitPattern: UInt(entry.ticket))
                }
                // librdkafka copies keys and values before this returns.
                return rd_kafka_produce_batch(topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                              messages.baseAddress, Int32(count))
            }
        }
        guard taken < count else { return nil }
        for i in 0..<count where messages[i].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            if messages[i].err == RD_KAFKA_RESP_ERR__QUEUE_FULL { return start + i }
            refused.append((start + i, KafkaError(messages[i].err)!))
        }
        return nil
    }
}
