import Hummingbird
import Logging
import Prometheus

/// Counts and times every request, and logs it at debug, labelled by the matched route
/// PATTERN (`/v1/conversations/{conversationID}/seq`), never the raw path: label sets
/// stay bounded whatever IDs clients send. Unmatched requests are `NotFound`; methods
/// outside the standard set are `other`.
///
/// Outermost middleware: it sees the final status of every response, errors included.
struct RouteMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry

    static var requestsDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "receiptd", subsystem: "http", metricName: "requests", unitName: "total",
            helpText: "HTTP requests by route pattern, method and status.")
    }

    static var durationDescriptor: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "receiptd", subsystem: "http", metricName: "request_duration", unitName: "seconds",
            helpText: "HTTP request duration by route pattern and method.")
    }

    static var buckets: [Duration] {
        [.milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            record(request, context, status: status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let route = context.endpointPath ?? "NotFound"
        let method = Self.methodLabel(request.method)
        registry.makeCounter(
            descriptor: Self.requestsDescriptor,
            labels: [("route", route), ("method", method), ("status", String(status.code))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.durationDescriptor, labels: [("route", route), ("method", method)], buckets: Self.buckets
        ).record(elapsed)
        context.logger.debug(
            "request",
            metadata: ["http.route": "\(route)", "http.method": "\(method)", "http.status": "\(status.code)",
                       "duration_ms": "\(elapsed.milliseconds)"])
    }

    static func methodLabel(_ method: HTTPRequest.Method) -> String {
        switch method {
        case .get, .head, .post, .put, .delete, .patch, .options: method.rawValue
        default: "other"
        }
    }
}

extension Duration {
    /// Whole milliseconds, for logs.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
