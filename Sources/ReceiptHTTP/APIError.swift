import Hummingbird

/// An error answered as JSON: `{"error": code, …}` with the status it implies.
///
/// `parameter`, `reason` and `limit` are present only when set; a reason never
/// echoes the rejected value, which may be long or user data.
struct APIError: HTTPResponseError, Encodable {
    let status: HTTPResponse.Status
    /// Machine-readable: `invalid_parameter`, `unauthorized`, `not_found`, `unavailable`,
    /// `recovering`, `internal`.
    let error: String
    var parameter: String?
    var reason: String?
    var limit: Int?
    /// The backing store that failed, for `unavailable`, `recovering` and `internal`.
    var dependency: String?

    static func invalidParameter(_ parameter: String, _ reason: String, limit: Int? = nil) -> APIError {
        APIError(status: .badRequest, error: "invalid_parameter", parameter: parameter, reason: reason, limit: limit)
    }

    static func unauthorized(_ reason: String) -> APIError {
        APIError(status: .unauthorized, error: "unauthorized", reason: reason)
    }

    static let notFound = APIError(status: .notFound, error: "not_found")

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse(status: status, body: self).response(from: request, context: context)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    private enum CodingKeys: String, CodingKey {
        case error, parameter, reason, limit, dependency
    }
}
