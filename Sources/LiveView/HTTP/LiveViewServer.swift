import Aggregates
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Builds the live-view HTTP server (Hummingbird 2) over a ``LiveViewSource``
/// and a ``StreamProcMetrics``.
///
/// Routes:
/// - `GET /`: the dashboard page (``DashboardPage``), `text/html`.
/// - `GET /api/v1/counts?view=1m|5m|15m|1h|24h&by=scenario|district|cell`:
///   ``CountsResponse`` as JSON. Missing `view` means `5m`, missing `by` means
///   `scenario`; any other value, or a repeated parameter, is a 400 with an
///   ``APIError`` body.
/// - `GET /api/v1/status`: ``StatusResponse`` as JSON.
///
/// JSON bodies are encoded with sorted keys (stable output for diffs and caches).
/// - `GET /metrics`: Prometheus text exposition (format 0.0.4).
/// - `GET /healthz`: `ok`.
///
/// The ``Application`` returned by ``makeApplication(source:metrics:configuration:logger:onServerRunning:)``
/// is a swift-service-lifecycle `Service`: put it in the pipeline's
/// `ServiceGroup`, or call `runService()` on it.
public enum LiveViewServer {
    /// The concrete application type.
    public typealias App = Application<RouterResponder<BasicRequestContext>>

    /// The router with every route above.
    public static func makeRouter(
        source: some LiveViewSource, metrics: StreamProcMetrics
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)

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
            return json(await source.counts(view: view, by: by), status: .ok)
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
            "ok\n"
        }
        return router
    }

    /// The application, bound to `configuration`'s host and port.
    ///
    /// - Parameters:
    ///   - onServerRunning: called once the socket listens, with the bound port
    ///     (useful with port 0).
    public static func makeApplication(
        source: some LiveViewSource,
        metrics: StreamProcMetrics,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        logger: Logger = Logger(label: "streamproc.http"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> App {
        Application(
            router: makeRouter(source: source, metrics: metrics),
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

    static func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(value)
            return Response(status: status, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            let body = #"{"error":"internal","message":"could not encode the response"}"#
            return Response(status: .internalServerError, headers: headers,
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }
}

extension LiveViewServer {
    /// Builds the application and runs it until cancelled or until SIGTERM/SIGINT
    /// (graceful shutdown). For callers that do not import Hummingbird; a pipeline
    /// that has its own `ServiceGroup` uses ``makeApplication(source:metrics:configuration:logger:onServerRunning:)``.
    ///
    /// - Throws: the server's error, e.g. the address is in use.
    public static func run(
        source: some LiveViewSource,
        metrics: StreamProcMetrics,
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        logger: Logger = Logger(label: "streamproc.http"),
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let app = makeApplication(
            source: source, metrics: metrics, configuration: configuration,
            logger: logger, onServerRunning: onServerRunning)
        try await app.runService()
    }
}
