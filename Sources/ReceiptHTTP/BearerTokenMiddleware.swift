import Hummingbird

/// Requires `Authorization: Bearer <token>` (scheme case-insensitive); otherwise 401
/// JSON with `WWW-Authenticate: Bearer`.
///
/// The comparison takes the same time for every presented token of any length, so
/// timing reveals neither the token's bytes nor its length.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    private let expected: [UInt8]

    init(token: String) {
        precondition(!token.isEmpty, "an empty bearer token would let anyone in")
        expected = Array(token.utf8)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization header")
        }
        guard let presented = Self.bearerToken(in: header) else {
            throw APIError.unauthorized("Authorization is not a Bearer token")
        }
        guard constantTimeEquals(Array(presented.utf8), expected) else {
            throw APIError.unauthorized("wrong bearer token")
        }
        return try await next(request, context)
    }

    /// The token of `Bearer <token>`, or nil for another scheme or an empty token.
    static func bearerToken(in header: String) -> Substring? {
        let scheme = "bearer "
        guard header.utf8.count > scheme.utf8.count, header.prefix(scheme.count).lowercased() == scheme else { return nil }
        let token = header.dropFirst(scheme.count).drop { $0 == " " }
        return token.isEmpty ? nil : token
    }
}

/// True when `presented == expected`, in time that depends only on `expected.count`.
func constantTimeEquals(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
    var difference: UInt8 = presented.count == expected.count ? 0 : 1
    for index in expected.indices {
        let byte = index < presented.count ? presented[index] : 0
        difference |= byte ^ expected[index]
    }
    return difference == 0
}
