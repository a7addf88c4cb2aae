import Logging
import ServiceLifecycle

/// The worker as a `Service`: `run()` is its whole life. It runs the batch loop on a
/// dedicated thread; graceful shutdown (SIGTERM, SIGINT) and cancellation both ask
/// the loop to stop, which finishes the batch in hand, drains deliveries, commits
/// and leaves the consumer group before `run()` returns.
public struct ReceiptWorkerService: Service {
    public let configuration: WorkerConfiguration
    public let logger: Logger

    public init(configuration: WorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let stop = StopSignal()
        let configuration = configuration
        let logger = logger
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await DedicatedThread.run(name: "receiptd-worker") {
                    let worker = try ReceiptWorker.make(configuration: configuration, logger: logger, stop: stop)
                    worker.run()
                }
            } onGracefulShutdown: {
                stop.request()
            }
        } onCancel: {
            stop.request()
        }
    }
}
