import Hummingbird
import Logging
import Prometheus
import ReceiptCore

/// Builds receiptd's HTTP server: `/healthz`, `/readyz`, `/metrics` and the read-only
/// `/v1/` query API.
///
/// Why Hummingbird 2 rather than raw SwiftNIO: it gives a trie router with path
/// parameters and route patterns (for metric labels), request/response coding,
/// middleware, an `Application` that is a swift-service-lifecycle `Service` (graceful
/// shutdown inside the executable's `ServiceGroup`), and HummingbirdTesting, which
/// drives the router in-process with no socket. On raw NIO each of those is
/// hand-written channel-handler code.
///
/// The returned application serves until its `ServiceGroup` shuts it down. `reader`
/// answers the queries; blocking I/O never runs on the handlers' threads (see
/// `StateReader`).
public func buildHTTPServer(
    configuration: HTTPConfiguration,
    status: WorkerStatus,
    registry: PrometheusCollectorRegistry,
    reader: some StateReading,
    logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(configuration: configuration, status: status, registry: registry, reader: reader)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "receiptd"),
        logger: logger
    )
}

/// The routes and middleware, outermost first: request metrics and logs by route
/// pattern, then errors turned into JSON, then (for `/v1/` only) the bearer token.
func buildRouter(
    configuration: HTTPConfiguration,
    status: WorkerStatus,
    registry: PrometheusCollectorRegistry,
    reader: some StateReading
) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: RouteMetricsMiddleware(registry: registry))
    router.add(middleware: JSONErrorMiddleware())

    HealthRoutes(status: status, staleness: configuration.healthStaleness).register(on: router)
    MetricsRoute(registry: registry, status: status).register(on: router)

    let v1 = router.group("v1")
    if let token = configuration.bearerToken, !token.isEmpty {
        v1.add(middleware: BearerTokenMiddleware(token: token))
    }
    QueryRoutes(reader: reader, limits: QueryLimits(configuration)).register(on: v1)
    return router
}
