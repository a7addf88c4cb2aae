import Hummingbird
import Testing

@testable import ReceiptHTTP

@Suite struct BearerTokenTests {
    let configuration = HTTPConfiguration(bearerToken: "s3cret-token")
    let reader = InMemoryState(maxSeqs: ["c1": 4])

    @Test func v1RoutesRefuseAMissingToken() async throws {
        try await withServer(configuration: configuration, reader: reader) { client async throws in
            let response = try await client.executeRequest(uri: "/v1/conversations/c1/seq", method: .get, headers: [:], body: nil)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            #expect(String(buffer: response.body).contains(#""error":"unauthorized""#))
        }
    }

    @Test(arguments: ["Bearer wrong-token", "Bearer s3cret-toke", "Bearer s3cret-token-and-more", "Basic s3cret-token",
                      "Bearer ", "s3cret-token"])
    func v1RoutesRefuseAWrongToken(authorization: String) async throws {
        try await withServer(configuration: configuration, reader: reader) { client async throws in
            let response = try await get(client, "/v1/conversations/c1/seq", headers: [.authorization: authorization])
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] as? String == "unauthorized")
        }
    }

    @Test(arguments: ["Bearer s3cret-token", "bearer s3cret-token"])
    func v1RoutesAcceptTheRightToken(authorization: String) async throws {
        try await withServer(configuration: configuration, reader: reader) { client async throws in
            let response = try await get(client, "/v1/conversations/c1/seq", headers: [.authorization: authorization])
            #expect(response.status == .ok)
            #expect(int64s(response.json)["maxSeq"] == 4)
        }
    }

    @Test func healthAndMetricsStayOpenWithoutAToken() async throws {
        try await withServer(configuration: configuration, reader: reader) { client async throws in
            #expect(try await get(client, "/healthz").status == .ok)
            #expect(try await get(client, "/readyz").status == .ok)
            #expect(try await get(client, "/metrics").status == .ok)
        }
    }

    @Test func withoutAConfiguredTokenV1RoutesAreOpen() async throws {
        try await withServer(reader: reader) { client async throws in
            #expect(try await get(client, "/v1/conversations/c1/seq").status == .ok)
        }
    }

    @Test func constantTimeEqualsComparesWholeTokens() {
        let token = Array("abc".utf8)
        #expect(constantTimeEquals(Array("abc".utf8), token))
        #expect(!constantTimeEquals(Array("abd".utf8), token))
        #expect(!constantTimeEquals(Array("ab".utf8), token))
        #expect(!constantTimeEquals(Array("abc\0".utf8), token))
        #expect(!constantTimeEquals([], token))
    }
}
