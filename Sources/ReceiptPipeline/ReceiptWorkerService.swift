import Logging
import ReceiptCore
import ReceiptThreads
import ServiceLifecycle

/// The worker as a `Service`: `run()` is its whole life. It runs the batch loop on a
/// dedicated thread; graceful shutdown (SIGTERM, SIGINT) and cancellation both ask
/// the loop to stop, which finishes the batch in hand, drains deliveries, commits
/// and leaves the consumer group before `run()` returns.
public struct ReceiptWorkerService: Service {
    public let configuration: WorkerConfiguration
    public let logger: Logger
    /// What the worker reports about itself, for health, readiness and metrics.
    public let status: WorkerStatus

    public init(configuration: WorkerConfiguration, logger: Logger, status: WorkerStatus = WorkerStatus()) {
        self.configuration = configuration
        self.logger = logger
        self.status = status
    }

    public func run() async throws {
        let stop = StopSignal()
        let configuration = configuration
        let logger = logger
        let status = status
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await DedicatedThread.run(name: "receiptd-worker") {
                    let worker = try ReceiptWorker.make(
                        configuration: configuration, logger: logger, stop: stop, status: status)
                    defer { status.update { $0.stopped = true } }
                    guard try worker.prepareDatabase() else { return }
                    try worker.run()
                }
            } onGracefulShutdown: {
                stop.request()
            }
        } onCancel: {
            stop.request()
        }
    }
}
