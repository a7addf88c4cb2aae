import Hummingbird
import ReceiptCore
import Testing

@testable import ReceiptHTTP

@Suite struct HealthTests {
    @Test func healthzIsOKWhenTheLoopPassedRecently() async throws {
        try await withServer(reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/healthz")
            #expect(response.status == .ok)
            #expect(response.json["status"] as? String == "ok")
            #expect(response.json["reason"] == nil)
        }
    }

    @Test func healthzFailsWhenTheWorkerStopped() async throws {
        let status = readyStatus()
        status.update { $0.stopped = true }
        try await withServer(status: status, reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/healthz")
            #expect(response.status == .serviceUnavailable)
            #expect(response.json["status"] as? String == "unhealthy")
            #expect(response.json["reason"] as? String == "worker stopped")
        }
    }

    @Test func healthzFailsWhenTheLastLoopIsOlderThanTheStaleness() async throws {
        let status = readyStatus()
        status.update { $0.lastLoop = .now - .seconds(45) }
        try await withServer(status: status, reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/healthz")
            #expect(response.status == .serviceUnavailable)
            let reason = try #require(response.json["reason"] as? String)
            // The seconds count on from 45 while a loaded machine gets to the request.
            #expect(reason.hasPrefix("worker loop stalled: last pass "))
            #expect(reason.hasSuffix(" s ago (limit 30 s)"))
            let seconds = reason.dropFirst("worker loop stalled: last pass ".count).prefix { $0.isNumber }
            #expect((Int(seconds) ?? 0) >= 45)
        }
    }

    @Test func healthzHonoursAConfiguredStaleness() async throws {
        let status = readyStatus()
        status.update { $0.lastLoop = .now - .seconds(45) }
        try await withServer(configuration: HTTPConfiguration(healthStaleness: .seconds(300)), status: status,
                             reader: InMemoryState()) { client async throws in
            #expect(try await get(client, "/healthz").status == .ok)
        }
    }

    @Test func healthzGivesAStartingWorkerOneStalenessPeriod() async throws {
        let status = WorkerStatus()  // lastLoop nil: the loop has not run yet
        // A long period, so a slow machine reaches the request well inside it.
        try await withServer(configuration: HTTPConfiguration(healthStaleness: .seconds(600)), status: status,
                             reader: InMemoryState()) { client async throws in
            #expect(try await get(client, "/healthz").status == .ok)
        }
        try await withServer(configuration: HTTPConfiguration(healthStaleness: .zero), status: status,
                             reader: InMemoryState()) { client async throws in
            try await Task.sleep(for: .milliseconds(5))
            let response = try await get(client, "/healthz")
            #expect(response.status == .serviceUnavailable)
            #expect((response.json["reason"] as? String)?.hasPrefix("worker loop has not started") == true)
        }
    }

    @Test func readyzIsOKWhenEveryDependencyIsReadyAndNotPaused() async throws {
        try await withServer(reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/readyz")
            #expect(response.status == .ok)
            #expect(response.json["status"] as? String == "ready")
            #expect(response.json["reasons"] == nil)
        }
    }

    @Test(arguments: [
        ("kafka", "kafka unreachable"), ("redis", "redis unreachable"), ("postgres", "postgres unreachable"),
        ("paused", "paused: backlog"), ("stopped", "worker stopped"),
    ])
    func readyzNamesWhatIsNotReady(situation: String, reason: String) async throws {
        let status = readyStatus()
        status.update { snapshot in
            switch situation {
            case "kafka": snapshot.kafkaReady = false
            case "redis": snapshot.redisReady = false
            case "postgres": snapshot.postgresReady = false
            case "paused": snapshot.paused = true
            default: snapshot.stopped = true
            }
        }
        try await withServer(status: status, reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/readyz")
            #expect(response.status == .serviceUnavailable)
            #expect(response.json["status"] as? String == "not ready")
            #expect(response.json["reasons"] as? [String] == [reason])
        }
    }

    @Test func readyzListsEveryReasonAtOnce() async throws {
        let status = WorkerStatus()
        status.update { $0.paused = true }
        try await withServer(status: status, reader: InMemoryState()) { client async throws in
            let response = try await get(client, "/readyz")
            #expect(response.status == .serviceUnavailable)
            #expect(response.json["reasons"] as? [String]
                == ["kafka unreachable", "redis unreachable", "postgres unreachable", "paused: backlog"])
        }
    }

    @Test func theApplicationServesOverTCP() async throws {
        try await withServer(configuration: HTTPConfiguration(host: "127.0.0.1", port: 0), reader: InMemoryState(),
                             setup: .live) { client async throws in
            #expect(try await get(client, "/healthz").json["status"] as? String == "ok")
        }
    }
}
