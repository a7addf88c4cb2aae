import Hummingbird
import ReceiptCore

/// `/healthz` (liveness: is the worker loop turning?) and `/readyz` (readiness: can
/// this replica do its job now?), both read from `WorkerStatus` and never touching
/// Redis, PostgreSQL or Kafka themselves, so a probe cannot pile up on a dead store.
struct HealthRoutes {
    let status: WorkerStatus
    let staleness: Duration
    /// Stands in for `lastLoop` until the first pass, so a starting worker has one
    /// staleness period to begin before it counts as dead.
    let startedAt = ContinuousClock.now

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            let problem = liveness(status.snapshot, now: .now)
            return JSONResponse(
                status: problem == nil ? .ok : .serviceUnavailable,
                body: HealthBody(status: problem == nil ? "ok" : "unhealthy", reason: problem))
        }
        router.get("/readyz") { _, _ in
            let reasons = Self.unreadiness(status.snapshot)
            return JSONResponse(
                status: reasons.isEmpty ? .ok : .serviceUnavailable,
                body: ReadinessBody(status: reasons.isEmpty ? "ready" : "not ready", reasons: reasons))
        }
    }

    /// Why the worker is not alive, or nil when it is: stopped, or no loop pass within
    /// `staleness`.
    func liveness(_ snapshot: WorkerStatus.Snapshot, now: ContinuousClock.Instant) -> String? {
        if snapshot.stopped { return "worker stopped" }
        let age = now - (snapshot.lastLoop ?? startedAt)
        guard age > staleness else { return nil }
        let seconds = age.components.seconds
        let limit = staleness.components.seconds
        return snapshot.lastLoop == nil
            ? "worker loop has not started for \(seconds) s (limit \(limit) s)"
            : "worker loop stalled: last pass \(seconds) s ago (limit \(limit) s)"
    }

    /// Every reason the worker is not ready; empty when it is.
    static func unreadiness(_ snapshot: WorkerStatus.Snapshot) -> [String] {
        var reasons: [String] = []
        if snapshot.stopped { reasons.append("worker stopped") }
        if !snapshot.kafkaReady { reasons.append("kafka unreachable") }
        if !snapshot.redisReady { reasons.append("redis unreachable") }
        if snapshot.redisMayEvict { reasons.append("redis can evict keys (maxmemory-policy)") }
        if !snapshot.postgresReady { reasons.append("postgres unreachable") }
        if snapshot.paused { reasons.append("paused: backlog") }
        return reasons
    }
}

struct HealthBody: Encodable, Sendable {
    let status: String
    /// Why not healthy; absent when healthy.
    let reason: String?
}

struct ReadinessBody: Encodable, Sendable {
    let status: String
    /// What is not ready; absent when ready.
    let reasons: [String]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        if !reasons.isEmpty { try container.encode(reasons, forKey: .reasons) }
    }

    private enum CodingKeys: String, CodingKey { case status, reasons }
}
