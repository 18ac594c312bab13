import Aggregates
import Hummingbird

/// Answers a request for a known path with a method other than GET or HEAD with
/// `405 Method Not Allowed`, `Allow: GET, HEAD` (RFC 9110 §15.5.6) and an ``APIError``
/// body (`{"error":"method_not_allowed",…}`), instead of the router's 404. Unknown
/// paths fall through to the router (404).
public struct MethodPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The served paths (all GET/HEAD only).
    let paths: Set<String>

    /// The `Allow` header value.
    public static var allow: String { "GET, HEAD" }

    /// - Parameter paths: the exact request paths the router serves.
    public init(paths: Set<String>) { self.paths = paths }

    public func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.method != .get, request.method != .head, paths.contains(request.uri.path) {
            var response = LiveViewServer.json(
                APIError(error: "method_not_allowed",
                         message: "\(request.method.rawValue) is not allowed on \(request.uri.path); use GET or HEAD"),
                status: .methodNotAllowed)
            response.headers[.allow] = Self.allow
            return response
        }
        return try await next(request, context)
    }
}
