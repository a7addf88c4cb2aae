import Foundation
import Hummingbird
import ReceiptCore
import Testing

@testable import ReceiptHTTP

/// `GET /v1/conversations/{id}/messages/{seq}/readers`: the response shape, paging by
/// an opaque cursor, and what is refused. What the stores answer is proven on the
/// real stack (`QueryReadModelTests`).
@Suite struct ReadersRouteTests {
    let reader = InMemoryState(readers: [("d", 4), ("a", 5), ("b|x", 1)].map(SeqReader.init))

    @Test func readersArePagedByTheCursorUntilItIsNull() async throws {
        try await withServer(reader: reader) { client async throws in
            let first = try await get(client, "/v1/conversations/c1/messages/3/readers?limit=2")
            #expect(first.status == .ok)
            let listed = first.json["readers"] as? [[String: Any]] ?? []
            #expect(listed.map { $0["userID"] as? String } == ["d", "a"])
            #expect(listed.map { int64s($0)["hasReadSeq"] } == [4, 5])
            let cursor = try #require(first.json["nextCursor"] as? String)
            #expect(!cursor.contains("a"), "the cursor is opaque: \(cursor)")

            let last = try await get(client, "/v1/conversations/c1/messages/3/readers?limit=2&cursor=\(cursor)")
            #expect(last.status == .ok)
            #expect((last.json["readers"] as? [[String: Any]])?.map { $0["userID"] as? String } == ["b|x"])
            #expect(last.text.contains(#""nextCursor":null"#), "the last page says so: \(last.text)")
        }
    }

    @Test func aCursorSpellsItsPositionAndSurvivesEveryByte() throws {
        for position: ReadersPosition in [.watermark(hasReadSeq: 9, userID: "u|1/é+"), .marked(userID: "x|y|z")] {
            let cursor = ReadersCursor(seq: 7, after: position)
            #expect(ReadersCursor(encoded: cursor.encoded) == cursor)
            #expect(cursor.encoded.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        }
    }

    @Test(arguments: ["0", "1001", "x", "+5"])
    func aLimitOutOfRangeIsRefused(limit: String) async throws {
        try await expectInvalid("/v1/conversations/c1/messages/3/readers?limit=\(limit)", parameter: "limit")
    }

    @Test func aCursorNotGivenByTheAPIIsRefused() async throws {
        try await expectInvalid("/v1/conversations/c1/messages/3/readers?cursor=bm90LWEtY3Vyc29y", parameter: "cursor")
        try await expectInvalid("/v1/conversations/c1/messages/3/readers?cursor=%21%21", parameter: "cursor")
    }

    @Test func aCursorOfAnotherSeqIsRefused() async throws {
        let other = ReadersCursor(seq: 4, after: .marked(userID: "a")).encoded
        try await expectInvalid("/v1/conversations/c1/messages/3/readers?cursor=\(other)", parameter: "cursor")
    }

    private func expectInvalid(_ uri: String, parameter: String) async throws {
        try await withServer(reader: reader) { client async throws in
            let response = try await get(client, uri)
            #expect(response.status == .badRequest, "\(uri)")
            #expect(response.json["error"] as? String == "invalid_parameter")
            #expect(response.json["parameter"] as? String == parameter, "\(response.text)")
        }
    }
}
