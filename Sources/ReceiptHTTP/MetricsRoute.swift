import Hummingbird
import Prometheus
import ReceiptCore

/// `GET /metrics`: everything in the registry (the executable's swift-metrics
/// factory writes there too) in the Prometheus text format, after refreshing the
/// gauges derived from `WorkerStatus`.
struct MetricsRoute {
    let registry: PrometheusCollectorRegistry
    let status: WorkerStatus

    func register(on router: Router<BasicRequestContext>) {
        let gauges = WorkerGauges(registry: registry)
        router.get("/metrics") { _, _ in
            gauges.update(from: status.snapshot, now: .now)
            var text: [UInt8] = []
            registry.emit(into: &text)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }
}
