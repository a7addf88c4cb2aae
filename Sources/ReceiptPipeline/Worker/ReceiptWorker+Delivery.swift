import Logging
import ReceiptCore
import ReceiptKafka

extension ReceiptWorker {
    /// Hands one record to the producer on behalf of `batch`; it stays tracked until
    /// the broker acknowledges it.
    func send(_ record: OutgoingRecord, batch: UInt64) {
        enqueue(record, ticket: ledger.ticket(for: batch))
    }

    /// Notifications encoded before they go to the producer in one call: enough to
    /// pay librdkafka's per-call costs once for many records, few enough that the
    /// encoded records and their C descriptors stay small (about 64 KB and 18 KB).
    static let notificationsPerSend = 256

    /// Encodes `notification` for the producer, keyed by its `recvID`, into
    /// `batchNotifications`, which goes out whenever it holds `notificationsPerSend`.
    /// Call `sendBatchNotifications()` after the last. A notification costs no
    /// allocation of its own on the way out.
    func produce(_ notification: Notification, ticket: UInt64) {
        batchNotifications.append(key: notification.recvID, ticket: ticket) { notification.encodeJSON(into: &$0) }
        if batchNotifications.count == Self.notificationsPerSend { sendBatchNotifications() }
    }

    /// Hands the notifications gathered in `batchNotifications` (their tickets are
    /// taken already) to the producer in one call, and empties it. A record the
    /// producer refuses is sent again on its own, until it is taken, like any other.
    func sendBatchNotifications() {
        guard !batchNotifications.isEmpty else { return }
        for (index, error) in producer.send(batchNotifications) {
            metrics.kafkaErrors.increment()
            logger.warning("producing failed; retrying alone", metadata: [
                "topic": "\(batchNotifications.topic)", "error": "\(error)"])
            enqueue(batchNotifications.record(at: index), ticket: batchNotifications.ticket(at: index))
        }
        batchNotifications.removeAll()
    }

    func enqueue(_ record: OutgoingRecord, ticket: UInt64) {
        untilEnqueued(to: record.topic) { () throws(KafkaError) in try producer.send(record, ticket: ticket) }
    }

    /// Runs `attempt` until the producer takes the record, serving delivery reports
    /// between failures (a full queue drains as they are served).
    private func untilEnqueued(to topic: String, _ attempt: () throws(KafkaError) -> Void) {
        var backoff = configuration.retryBackoffMs
        while true {
            do {
                try attempt()
                return
            } catch {
                metrics.kafkaErrors.increment()
                logger.warning("producing failed; retrying", metadata: [
                    "topic": "\(topic)", "error": "\(error)", "retryInMs": "\(backoff)"])
                serveDeliveries(timeoutMs: Int32(backoff))
                backoff = min(backoff * 2, configuration.maxRetryBackoffMs)
            }
        }
    }

    /// Collects delivery reports: acknowledged records finish their batch; failed
    /// ones are sent again (never dropped), from the copy their report carries.
    func serveDeliveries(timeoutMs: Int32) {
        // The reused lists are taken out while they are read: sending a failed record
        // again serves deliveries itself when the producer's queue is full.
        var deliveries = Deliveries()
        swap(&deliveries, &spareDeliveries)
        defer { swap(&deliveries, &spareDeliveries) }
        producer.pollDeliveries(timeoutMs: timeoutMs, into: &deliveries)
        for acknowledgement in deliveries.acknowledged {
            ledger.acknowledge(acknowledgement.ticket)
            for held in groupReadHolds.acknowledged(acknowledgement.ticket) { ledger.acknowledge(held) }
        }
        for report in deliveries.failed {
            metrics.deliveryFailures.increment()
            guard let record = report.failedRecord else { continue }
            logger.warning("delivery failed; sending again", metadata: [
                "topic": "\(record.topic)", "error": "\(report.error.map { "\($0)" } ?? "unknown")"])
            enqueue(record, ticket: report.ticket)
        }
    }

    /// Waits until every produced record is acknowledged, or until `timeoutMs` has
    /// passed (the unfinished batches then stay uncommitted and are replayed).
    /// Returns whether everything was acknowledged.
    @discardableResult
    func drainDeliveries(timeoutMs: Int? = nil) -> Bool {
        let deadline = timeoutMs.map { ContinuousClock.now + .milliseconds($0) }
        while ledger.inFlight > 0 {
            if let deadline, ContinuousClock.now >= deadline {
                logger.warning("gave up waiting for deliveries", metadata: ["inFlight": "\(ledger.inFlight)"])
                return false
            }
            serveDeliveries(timeoutMs: 100)
        }
        return true
    }
}
