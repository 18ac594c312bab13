import Aggregates
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import LiveView

/// A readiness source whose answer the test sets.
final class SettableReadiness: ReadinessSource {
    let value = Mutex(Readiness.ready)
    func readiness() async -> Readiness { value.withLock { $0 } }
}

/// Issue 12 item 5 (probes) and the method rules: 405 with `Allow`, HEAD like GET.
@Suite("HTTP probes and methods")
struct HTTPProbeAndMethodTests {
    static let getPaths = ["/", "/api/v1/counts?view=1h&by=cell", "/api/v1/status", "/metrics", "/healthz", "/readyz"]

    func app(readiness: some ReadinessSource = AlwaysReady()) -> LiveViewServer.App {
        LiveViewServer.makeApplication(source: FixedLiveViewSource(), readiness: readiness,
                                       metrics: StreamProcMetrics(startTimeMs: 0),
                                       configuration: .patientLoopback)
    }

    @Test func healthzIsJSONOk() async throws {
        let readiness = SettableReadiness()
        readiness.value.withLock { $0 = Readiness(reasons: ["no partitions assigned"]) }
        try await app(readiness: readiness).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { res in
                // Alive even while not ready.
                #expect(res.status == .ok)
                #expect(res.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(String(buffer: res.body) == #"{"status":"ok"}"#)
            }
        }
    }

    @Test func readyzFollowsTheReadinessSource() async throws {
        let readiness = SettableReadiness()
        try await app(readiness: readiness).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { res in
                #expect(res.status == .ok)
                #expect(String(buffer: res.body) == #"{"ready":true,"reasons":[]}"#)
            }
            let reasons = [Readiness.brokerUnreachable("connection refused"),
                           Readiness.storeUnavailable("timeout after 5 s"),
                           Readiness.stalled(noProgressForS: 42, lag: 1200),
                           Readiness.noPartitionsAssigned]
            readiness.value.withLock { $0 = Readiness(reasons: reasons) }
            try await client.execute(uri: "/readyz", method: .get) { res in
                #expect(res.status == .serviceUnavailable)
                let r = try JSONDecoder().decode(Readiness.self, from: Data(buffer: res.body))
                #expect(r.ready == false)
                #expect(r.reasons == ["broker unreachable: connection refused",
                                      "state store unavailable: timeout after 5 s",
                                      "stalled: no progress for 42 s with lag 1200",
                                      "no partitions assigned"])
            }
            readiness.value.withLock { $0 = .ready }
            try await client.execute(uri: "/readyz", method: .get) { res in
                #expect(res.status == .ok)
            }
        }
    }

    @Test func readinessIsReadyExactlyWithoutReasons() {
        #expect(Readiness(reasons: []).ready)
        #expect(!Readiness(reasons: ["x"]).ready)
        #expect(Readiness.ready == Readiness(reasons: []))
    }

    @Test(arguments: ["/", "/api/v1/counts", "/api/v1/status", "/metrics", "/healthz", "/readyz"])
    func wrongMethodIs405WithAllow(path: String) async throws {
        try await app().test(.router) { client in
            for method in [HTTPRequest.Method.post, .put, .delete, .patch, .options, .init("PURGE")!] {
                try await client.execute(uri: path, method: method) { res in
                    #expect(res.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(res.headers[.allow] == "GET, HEAD")
                    let e = try JSONDecoder().decode(APIError.self, from: Data(buffer: res.body))
                    #expect(e.error == "method_not_allowed")
                }
            }
            // An unknown path stays 404 whatever the method.
            try await client.execute(uri: path + "x", method: .post) { res in
                #expect(res.status == .notFound)
            }
        }
    }

    @Test func headIsAnsweredLikeGetWithoutBodyOnEveryRoute() async throws {
        try await app().test(.live) { client in
            for path in Self.getPaths {
                let get = try await client.execute(uri: path, method: .get)
                #expect(get.status == .ok, "\(path)")
                #expect(get.body.readableBytes > 0)
                try await client.execute(uri: path, method: .head) { res in
                    #expect(res.status == .ok, "HEAD \(path)")
                    #expect(res.body.readableBytes == 0, "HEAD \(path)")
                    #expect(res.headers[.contentType] == get.headers[.contentType], "HEAD \(path)")
                    // The fixed source and a fresh registry give the same body twice.
                    #expect(res.headers[.contentLength] == String(get.body.readableBytes), "HEAD \(path)")
                }
            }
        }
    }

    @Test func headOfAnAPIErrorKeepsItsStatus() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/counts?view=7m", method: .head) { res in
                #expect(res.status == .badRequest)
                #expect(res.body.readableBytes == 0)
            }
        }
    }
}
