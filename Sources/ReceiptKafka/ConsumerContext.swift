import CRdKafka
import Synchronization

/// What a consumer's C callbacks reach through the instance opaque: the caller's
/// rebalance handler, and the errors those callbacks cannot throw.
final class ConsumerContext: Sendable {
    let handler: RebalanceHandler
    private let pendingError = Mutex<KafkaError?>(nil)

    init(handler: RebalanceHandler) {
        self.handler = handler
    }

    /// Keeps `error` for the next `poll` to throw; an earlier pending error wins.
    func keep(_ error: KafkaError) {
        pendingError.withLock { pending in pending = pending ?? error }
    }

    func takePendingError() -> KafkaError? {
        pendingError.withLock { pending in pending.take() }
    }

    /// Runs the handler, then applies the (possibly adjusted) assignment change with the
    /// calls matching the group's protocol: incremental for COOPERATIVE, whole for EAGER.
    func rebalance(_ consumer: OpaquePointer, _ event: rd_kafka_resp_err_t, _ partitions: PartitionList) {
        let cooperative = rd_kafka_rebalance_protocol(consumer).map { String(cString: $0) } == "COOPERATIVE"
        switch event {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let assigned = partitions.topicPartitions
            if !assigned.isEmpty {
                let startOffsets = handler.onAssign(assigned)
                for (index, topicPartition) in assigned.enumerated() {
                    if let offset = startOffsets[topicPartition] { partitions.elements[index].offset = offset }
                }
            }
            if cooperative {
                keep(rd_kafka_incremental_assign(consumer, partitions))
            } else {
                keep(rd_kafka_assign(consumer, partitions))
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let revoked = partitions.topicPartitions
            if !revoked.isEmpty { handler.onRevoke(revoked) }
            if cooperative {
                keep(rd_kafka_incremental_unassign(consumer, partitions))
            } else {
                keep(rd_kafka_assign(consumer, nil))
            }
        default:
            // A failed rebalance: report it and drop the assignment so state stays consistent.
            keep(event)
            keep(rd_kafka_assign(consumer, nil))
        }
    }

    private func keep(_ err: rd_kafka_resp_err_t) {
        if let error = KafkaError(err) { keep(error) }
    }

    private func keep(_ error: OpaquePointer?) {
        if let error { keep(KafkaError(consuming: error)) }
    }
}

/// librdkafka's rebalance callback; `opaque` is the consumer's `ConsumerContext`.
let rebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, PartitionList?, UnsafeMutableRawPointer?
) -> Void = { consumer, event, partitions, opaque in
    let context = Unmanaged<ConsumerContext>.fromOpaque(opaque!).takeUnretainedValue()
    context.rebalance(consumer!, event, partitions!)
}
