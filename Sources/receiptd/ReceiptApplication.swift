import Logging
import Metrics
import Prometheus
import ReceiptCore
import ReceiptHTTP
import ReceiptPipeline
import ServiceLifecycle

/// Builds the running service: the worker and the HTTP server in one
/// `ServiceGroup`. On SIGTERM or SIGINT the group shuts services down in reverse
/// order: first the worker (stop fetching, finish the batch, flush, checkpoint,
/// leave the group), then the HTTP server; after `gracefulShutdownTimeout` it
/// escalates to cancellation. A second signal ends the process at once.
enum ReceiptApplication {
    static func build(
        worker: WorkerConfiguration, http: HTTPConfiguration, registry: PrometheusCollectorRegistry,
        logger: Logger, gracefulShutdownTimeout: Duration
    ) -> ServiceGroup {
        let status = WorkerStatus()
        let workerService = ReceiptWorkerService(configuration: worker, logger: logger, status: status)
        let reader = StateReader(redis: worker.redis, clusterSeeds: worker.redisClusterNodes,
                                 postgresURL: worker.postgresURL, acknowledgedBy: status,
                                 logger: logger)
        let server = buildHTTPServer(
            configuration: http, status: status, registry: registry, reader: reader, logger: logger)
        var group = ServiceGroupConfiguration(
            services: [.init(service: server), .init(service: workerService)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        group.maximumGracefulShutdownDuration = gracefulShutdownTimeout
        return ServiceGroup(configuration: group)
    }
}
