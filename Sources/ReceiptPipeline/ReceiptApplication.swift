import Logging
import ServiceLifecycle

/// Builds the running service: the worker (and, as they arrive, the flusher and the
/// HTTP server) in one `ServiceGroup` that shuts them down in reverse order on
/// SIGTERM or SIGINT, escalating to cancellation after `gracefulShutdownTimeout`.
public enum ReceiptApplication {
    public static func build(
        configuration: WorkerConfiguration, logger: Logger, gracefulShutdownTimeout: Duration = .seconds(30)
    ) -> ServiceGroup {
        let worker = ReceiptWorkerService(configuration: configuration, logger: logger)
        var group = ServiceGroupConfiguration(
            services: [.init(service: worker)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        group.maximumGracefulShutdownDuration = gracefulShutdownTimeout
        return ServiceGroup(configuration: group)
    }
}
