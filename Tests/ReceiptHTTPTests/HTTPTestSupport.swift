import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus
import ReceiptCore
import Testing

@testable import ReceiptHTTP

/// Builds the real server (`buildHTTPServer`) and drives it in-process with
/// HummingbirdTesting's router client: no socket, same routes and middleware.
///
/// Without a `status`, the server reports on a live, ready worker: its loop passes
/// every 100 ms for as long as the body runs, as the real worker's does every
/// second, so a slow machine cannot make it look stalled. A test about a particular
/// worker state passes that status and owns it.
func withServer<Reader: StateReading>(
    configuration: HTTPConfiguration = HTTPConfiguration(),
    status: WorkerStatus? = nil,
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    reader: Reader,
    setup: TestingSetup = .router,
    _ body: @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let reported = status ?? readyStatus()
    let loop: Task<Void, Never>? = status != nil ? nil : Task {
        while !Task.isCancelled {
            reported.update { $0.lastLoop = .now }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
    defer { loop?.cancel() }
    let app = buildHTTPServer(
        configuration: configuration, status: reported, registry: registry, reader: reader,
        logger: Logger(label: "receiptd-http-test"))
    try await app.test(setup) { client in try await body(client) }
}

/// A status with every dependency ready and a loop pass just now.
func readyStatus() -> WorkerStatus {
    let status = WorkerStatus()
    status.update {
        $0.lastLoop = .now
        $0.kafkaReady = true
        $0.redisReady = true
        $0.postgresReady = true
    }
    return status
}

/// GETs `uri` and hands back status and body as a JSON object (empty when not one).
func get(
    _ client: any TestClientProtocol, _ uri: String, headers: HTTPFields = [:]
) async throws -> (status: HTTPResponse.Status, json: [String: Any], text: String) {
    let response = try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
    let text = String(buffer: response.body)
    let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    return (response.status, object, text)
}

/// Keys and values in a JSON object as Int64, for comparing numbers whatever their bridging.
func int64s(_ object: Any?) -> [String: Int64] {
    guard let object = object as? [String: Any] else { return [:] }
    return object.compactMapValues { ($0 as? NSNumber)?.int64Value }
}

/// An array of JSON numbers as [Int64]; nested arrays as [[Int64]].
func int64Array(_ value: Any?) -> [Int64] {
    (value as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int64Value }
}

func int64Ranges(_ value: Any?) -> [[Int64]] {
    (value as? [Any] ?? []).map(int64Array)
}

/// Receipt state in memory, for tests of routing, validation and response shapes that
/// need no store. The query tests against real Redis and PostgreSQL use `StateReader`.
struct InMemoryState: StateReading {
    var readStates: [String: ReadState] = [:]  // conversation → state of any user
    var maxSeqs: [String: Int64] = [:]
    var readCounts: [String: Int64] = [:]
    var delivery = DeliveryState(deliveredSeq: 0, ackedAbove: [], maxSeq: 0)
    /// Every reader of any seq, in listing order; pages are cut from it by position.
    var readers: [SeqReader] = []

    func readStates(userID: String, conversationIDs: [String]) async throws -> [IDKey: ReadState] {
        readStates.keyedByBytes.filter { key in conversationIDs.contains { IDKey.same($0, key.key.id) } }
    }
    func maxSeq(conversationID: String) async throws -> Int64 { maxSeqs[conversationID] ?? 0 }
    func readCount(conversationID: String, seq: Int64) async throws -> Int64 { readCounts[conversationID] ?? 0 }
    func deliveryState(userID: String, conversationID: String) async throws -> DeliveryState { delivery }
    func readers(conversationID: String, seq: Int64, limit: Int, after cursor: ReadersCursor?) async throws -> ReadersPage {
        var start = 0
        if case .watermark(_, let userID)? = cursor?.position,
           let index = readers.firstIndex(where: { IDKey.same($0.userID, userID) }) {
            start = index + 1
        }
        let listed = Array(readers.dropFirst(start).prefix(limit))
        let more = start + listed.count < readers.count
        return ReadersPage(readers: listed, next: more ? ReadersCursor(
            seq: seq, after: .watermark(hasReadSeq: listed.last!.hasReadSeq, userID: listed.last!.userID)) : nil)
    }
}
