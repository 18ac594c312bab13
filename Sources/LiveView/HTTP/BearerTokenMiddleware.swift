import Aggregates
import Hummingbird

/// Requires `Authorization: Bearer <token>` (RFC 6750 §2.1) on every path except
/// ``openPaths`` (issue 12 item 4): a missing, malformed or unknown token gets 401 with
/// `WWW-Authenticate: Bearer realm="streamproc"` and an ``APIError`` body
/// (`{"error":"unauthorized",…}`), for any method and for unknown paths too (no route
/// list leaks to anonymous clients).
///
/// Tokens are compared with ``BearerToken/matches(_:accepted:)`` (constant time). With
/// ``required`` false the middleware lets everything through (loopback without tokens).
/// With ``required`` true and no accepted token, every protected request is refused.
public struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The accepted tokens' bytes.
    let accepted: [[UInt8]]
    /// Whether a token is asked at all.
    let required: Bool
    /// Paths served without a token (exact match on the request path).
    let openPaths: Set<String>

    /// - Parameters:
    ///   - tokens: accepted tokens.
    ///   - required: ask for a token (``HTTPServerConfiguration/requiresToken``).
    ///   - openPaths: paths served without one, e.g. `["/healthz", "/readyz", "/"]`.
    public init(tokens: [String], required: Bool, openPaths: Set<String>) {
        self.accepted = tokens.map { Array($0.utf8) }
        self.required = required
        self.openPaths = openPaths
    }

    public func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard required, !openPaths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        if let value = request.headers[.authorization],
           let given = BearerToken.parse(authorization: value),
           BearerToken.matches(given, accepted: accepted) {
            return try await next(request, context)
        }
        var response = LiveViewServer.json(
            APIError(error: "unauthorized", message: "this route needs Authorization: Bearer <token>"),
            status: .unauthorized)
        response.headers[.wwwAuthenticate] = #"Bearer realm="streamproc""#
        return response
    }
}
