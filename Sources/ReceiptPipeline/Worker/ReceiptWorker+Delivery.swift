import Logging
import ReceiptKafka

extension ReceiptWorker {
    /// Hands one record to the producer on behalf of `batch`; it stays tracked until
    /// the broker acknowledges it.
    func send(_ record: OutgoingRecord, batch: UInt64) {
        enqueue(record, ticket: ledger.ticket(for: batch))
    }

    func enqueue(_ record: OutgoingRecord, ticket: UInt64) {
        var backoff = configuration.retryBackoffMs
        while true {
            do {
                try producer.send(record, ticket: ticket)
                return
            } catch {
                metrics.kafkaErrors.increment()
                logger.warning("producing failed; retrying", metadata: [
                    "topic": "\(record.topic)", "error": "\(error)", "retryInMs": "\(backoff)"])
                serveDeliveries(timeoutMs: Int32(backoff))
                backoff = min(backoff * 2, configuration.maxRetryBackoffMs)
            }
        }
    }

    /// Collects delivery reports: acknowledged records finish their batch; failed
    /// ones are sent again (never dropped), from the copy their report carries.
    func serveDeliveries(timeoutMs: Int32) {
        for report in producer.pollDeliveries(timeoutMs: timeoutMs) {
            if let error = report.error {
                metrics.deliveryFailures.increment()
                guard let record = report.failedRecord else { continue }
                logger.warning("delivery failed; sending again", metadata: [
                    "topic": "\(record.topic)", "error": "\(error)"])
                enqueue(record, ticket: report.ticket)
            } else {
                ledger.acknowledge(report.ticket)
                for held in groupReadHolds.acknowledged(report.ticket) { ledger.acknowledge(held) }
            }
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
