import Aggregates
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Builds the live-view HTTP server (Hummingbird 2) over a ``LiveViewSource``,
/// a ``ReadinessSource`` and a ``StreamProcMetrics``.
///
/// Routes (GET, and HEAD answered like GET without a body; any other method on
/// these paths is a 405 with `Allow: GET, HEAD`, ``MethodPolicyMiddleware``):
/// - `GET /`: the dashboard page (``DashboardPage``), `text/html`; static, no data.
/// - `GET /api/v1/counts?view=1m|5m|15m|1h|24h&by=scenario|district|cell`:
///   ``CountsResponse`` as JSON. Missing `view` means `5m`, missing `by` means
///   `scenario`; any other value, or a repeated parameter, is a 400 with an
///   ``APIError`` body. Bodies are cached per publication (``CountsCache``).
/// - `GET /api/v1/status`: ``StatusResponse`` as JSON.
/// - `GET /metrics`: Prometheus text exposition (format 0.0.4).
/// - `GET /healthz`: liveness, always `200 {"status":"ok"}`.
/// - `GET /readyz`: ``Readiness`` as JSON, 200 when ready, 503 when not.
///
/// JSON bodies are encoded with sorted keys (stable output for diffs and caches).
///
/// Access (``HTTPServerConfiguration``, ``BearerTokenMiddleware``): when a token is
/// required, every path but ``openPaths`` (`/healthz`, `/readyz` and the static page `/`)
/// needs `Authorization: Bearer <token>`, else 401. The page's script takes the token from
/// the page address's fragment (`http://host:port/#token=…`, never sent to the server),
/// keeps it in `sessionStorage` and sends it on its API calls.
///
/// Slow clients: a connection that sends no complete request head (or stalls mid-body)
/// for ``HTTPServerConfiguration/readTimeoutMs`` is closed, as is one idle that long
/// between requests (Hummingbird's HTTP/1 idle timeout).
///
/// The ``Application`` returned by ``makeApplication(source:readiness:metrics:configuration:logger:onServerRunning:)``
/// is a swift-service-lifecycle `Service`: put it in the pipeline's
/// `ServiceGroup`, or call `runService()` on it.
public enum LiveViewServer {
    /// The concrete application type.
    public typealias App = Application<RouterResponder<BasicRequestContext>>

    /// Every path the router serves.
    public static let paths: Set<String> = ["/", "/api/v1/counts", "/api/v1/status", "/metrics", "/healthz", "/readyz"]

    /// The paths served without a bearer token: the probes and the static dashboard page.
    public static let openPaths: Set<String> = ["/healthz", "/readyz", "/"]

    /// The router with every route above and the access and method middlewares.
    ///
    /// - Parameters:
    ///   - readiness: answers `/readyz`; ``AlwaysReady`` by default.
    ///   - configuration: only its tokens and access rule are used here.
    ///   - cache: the `/api/v1/counts` body cache (a fresh one by default).
    public static func makeRouter(
        source: some LiveViewSource,
        readiness: some ReadinessSource = AlwaysReady(),
        metrics: StreamProcMetrics,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        cache: CountsCache = CountsCache()
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: BearerTokenMiddleware(
            tokens: configuration.tokens, required: configuration.requiresToken, openPaths: openPaths))
        router.add(middleware: MethodPolicyMiddleware(paths: paths))

        router.get("/") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            headers[.contentSecurityPolicy] = DashboardPage.contentSecurityPolicy
            headers[.xContentTypeOptions] = "nosniff"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: DashboardPage.htmlBytes)))
        }

        router.get("/api/v1/counts") { request, _ in
            let query = request.uri.queryParameters
            let view: ViewWindow
            let by: Grouping
            switch parseQuery(query.getAll("view"), default: ViewWindow.fiveMinutes, name: "view") {
            case .success(let v): view = v
            case .failure(let e): return json(e, status: .badRequest)
            }
            switch parseQuery(query.getAll("by"), default: Grouping.scenario, name: "by") {
            case .success(let b): by = b
            case .failure(let e): return json(e, status: .badRequest)
            }
            return Response(status: .ok, headers: jsonHeaders,
                            body: .init(byteBuffer: await cache.body(view: view, by: by, source: source)))
        }

        router.get("/api/v1/status") { _, _ in
            json(await source.status(), status: .ok)
        }

        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }

        router.get("/healthz") { _, _ in
            json(["status": "ok"], status: .ok)
        }

        router.get("/readyz") { _, _ in
            let r = await readiness.readiness()
            return json(r, status: r.ready ? .ok : .serviceUnavailable)
        }
        return router
    }

    /// The application, bound to `configuration`'s host and port, with its read timeout.
    /// Logs ``HTTPServerConfiguration/insecureWarning`` (level `warning`) when set; a
    /// configuration that fails ``HTTPServerConfiguration/validate()`` is logged as an error
    /// and served fail-closed (every protected route answers 401).
    ///
    /// - Parameters:
    ///   - readiness: answers `/readyz`; ``AlwaysReady`` by default.
    ///   - onServerRunning: called once the socket listens, with the bound port
    ///     (useful with port 0).
    public static func makeApplication(
        source: some LiveViewSource,
        readiness: some ReadinessSource = AlwaysReady(),
        metrics: StreamProcMetrics,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        logger: Logger = Logger(label: "streamproc.http"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> App {
        do { try configuration.validate() } catch {
            logger.error("HTTP configuration refused; protected routes answer 401", metadata: ["error": "\(error)"])
        }
        if let warning = configuration.insecureWarning { logger.warning("\(warning)") }
        let timeout = TimeAmount.milliseconds(max(1, configuration.readTimeoutMs))
        return Application(
            router: makeRouter(source: source, readiness: readiness, metrics: metrics, configuration: configuration),
            server: .http1(configuration: .init(idleTimeout: timeout)),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: "streamproc"),
            onServerRunning: { channel in
                await onServerRunning(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
    }

    // MARK: - Helpers

    static func parseQuery<T: RawRepresentable & CaseIterable>(
        _ values: [String], default def: T, name: String
    ) -> Result<T, APIError> where T.RawValue == String {
        if values.isEmpty { return .success(def) }
        let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
        guard values.count == 1, let v = T(rawValue: values[0]) else {
            return .failure(APIError(
                error: "bad_request",
                message: "\(name) must be one of \(allowed), given once"))
        }
        return .success(v)
    }

    static var jsonHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return headers
    }

    static let internalErrorBody = #"{"error":"internal","message":"could not encode the response"}"#

    /// `value` as JSON (sorted keys, slashes unescaped); the internal-error body if it cannot be encoded.
    static func encode(_ value: some Encodable) -> ByteBuffer {
        (try? encodeOrThrow(value)) ?? ByteBuffer(string: internalErrorBody)
    }

    static func encodeOrThrow(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ByteBuffer(bytes: try encoder.encode(value))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        do {
            return Response(status: status, headers: jsonHeaders, body: .init(byteBuffer: try encodeOrThrow(value)))
        } catch {
            return Response(status: .internalServerError, headers: jsonHeaders,
                            body: .init(byteBuffer: ByteBuffer(string: internalErrorBody)))
        }
    }
}

extension LiveViewServer {
    /// Builds the application and runs it until cancelled or until SIGTERM/SIGINT
    /// (graceful shutdown). For callers that do not import Hummingbird; a pipeline
    /// that has its own `ServiceGroup` uses ``makeApplication(source:readiness:metrics:configuration:logger:onServerRunning:)``.
    ///
    /// - Throws: the server's error, e.g. the address is in use.
    public static func run(
        source: some LiveViewSource,
        readiness: some ReadinessSource = AlwaysReady(),
        metrics: StreamProcMetrics,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        logger: Logger = Logger(label: "streamproc.http"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let app = makeApplication(
            source: source, readiness: readiness, metrics: metrics, configuration: configuration,
            logger: logger, onServerRunning: onServerRunning)
        try await app.runService()
    }
}
