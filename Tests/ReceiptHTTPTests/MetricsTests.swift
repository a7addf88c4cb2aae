import Hummingbird
import Prometheus
import Testing

@testable import ReceiptHTTP

@Suite struct MetricsTests {
    @Test func metricsExportsTheWorkerGaugesAtScrapeTime() async throws {
        let status = readyStatus()
        let checkpointed = ContinuousClock.now - .seconds(7)
        status.update {
            $0.redisReady = false
            $0.paused = true
            $0.lag = [0: 12, 3: 0]
            $0.lastCheckpoint = checkpointed
        }
        try await withServer(status: status, reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/metrics")
            #expect(response.status == .ok)
            let lines = Set(response.text.split(separator: "\n").map(String.init))
            #expect(lines.contains(#"receiptd_consumer_lag{partition="0"} 12.0"#))
            #expect(lines.contains(#"receiptd_consumer_lag{partition="3"} 0.0"#))
            #expect(lines.contains("receiptd_paused 1.0"))
            #expect(lines.contains(#"receiptd_ready{dependency="kafka"} 1.0"#))
            #expect(lines.contains(#"receiptd_ready{dependency="redis"} 0.0"#))
            #expect(lines.contains(#"receiptd_ready{dependency="postgres"} 1.0"#))
            let age = try #require(lines.first { $0.hasPrefix("receiptd_checkpoint_age_seconds ") })
            let seconds = try #require(Double(age.split(separator: " ")[1]))
            // The age is exactly the time since the checkpoint, however slow the machine.
            let elapsed = Double((ContinuousClock.now - checkpointed).components.seconds) + 1
            #expect(seconds >= 7 && seconds <= elapsed)
        }
    }

    @Test func metricsDropsARevokedPartitionAndHasNoCheckpointAgeBeforeACheckpoint() async throws {
        let status = readyStatus()
        status.update { $0.lag = [1: 5, 2: 6] }
        try await withServer(status: status, reader: InMemoryState()) { client async throws in
            #expect(try await get(client, "/metrics").text.contains(#"receiptd_consumer_lag{partition="2"} 6.0"#))
            status.update { $0.lag = [1: 4] }
            let text = try await get(client, "/metrics").text
            #expect(text.contains(#"receiptd_consumer_lag{partition="1"} 4.0"#))
            #expect(!text.contains(#"partition="2""#))
            #expect(!text.contains("receiptd_checkpoint_age_seconds"))
        }
    }

    @Test func requestMetricsAreLabelledByRoutePatternNotRawPath() async throws {
        let reader = InMemoryState(maxSeqs: ["secret-conversation": 3])
        try await withServer(reader: reader) { client async throws in
            #expect(try await get(client, "/v1/conversations/secret-conversation/seq").status == .ok)
            #expect(try await get(client, "/no/such/route/user-42").status == .notFound)
            let text = try await get(client, "/metrics").text
            #expect(text.contains(
                #"receiptd_http_requests_total{route="/v1/conversations/{conversationID}/seq",method="GET",status="200"} 1"#))
            #expect(text.contains(#"receiptd_http_requests_total{route="NotFound",method="GET",status="404"} 1"#))
            #expect(text.contains("receiptd_http_request_duration_seconds_bucket"))
            #expect(!text.contains("secret-conversation"))
            #expect(!text.contains("user-42"))
        }
    }

    @Test func metricsIncludesWhatTheRegistryAlreadyHolds() async throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeCounter(name: "receiptd_events_applied_total", labels: [("type", "read")]).increment(by: Int64(3))
        try await withServer(registry: registry, reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/metrics")
            #expect(response.text.contains(#"receiptd_events_applied_total{type="read"} 3"#))
        }
    }
}
