import Hummingbird
import Logging

/// Turns every error a route throws into a JSON response, so no client ever sees an
/// empty or plain-text error body:
/// - `APIError`: as it is (400, 401, …);
/// - `StateReadError`: 503 when the store is unreachable (`recovering` when Redis went
///   back in time and is being rebuilt), else 500, naming the store;
/// - `ReaderBusy`: 503 `{"error": "busy"}`, the reader threads' queues being full;
/// - Hummingbird's own errors (unknown route → 404): `{"error": "not_found"}` style;
/// - anything else: 500 `{"error": "internal"}`, logged, never echoed.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as StateReadError {
            context.logger.warning("state read failed", metadata: ["error": "\(error)"])
            let status: HTTPResponse.Status = error.isUnavailable ? .serviceUnavailable : .internalServerError
            let code = error.isRecovering ? "recovering" : error.isUnavailable ? "unavailable" : "internal"
            return try APIError(status: status, error: code, dependency: error.dependency.rawValue)
                .response(from: request, context: context)
        } catch is ReaderBusy {
            context.logger.warning("state reader queue full; answering 503")
            return try APIError(status: .serviceUnavailable, error: "busy").response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            let code = error.status == .notFound ? "not_found" : Self.code(error.status)
            return try APIError(status: error.status, error: code).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return try APIError(status: .internalServerError, error: "internal").response(from: request, context: context)
        }
    }

    /// `Method Not Allowed` → `method_not_allowed`.
    private static func code(_ status: HTTPResponse.Status) -> String {
        status.reasonPhrase.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: "_")
    }
}
