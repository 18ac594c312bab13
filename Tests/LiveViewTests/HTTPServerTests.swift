import Aggregates
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import LiveView
import Aggregates

/// A fixed ``LiveViewSource``: two scenarios, two districts, three cells;
/// echoes the requested view and grouping.
extension HTTPServerConfiguration {
    /// 127.0.0.1, any free port, and a 10-minute read timeout for the live tests that are not
    /// about the timeout: a client whose task waits for a cooperative thread (CPU-bound suites
    /// run beside these) is then not closed by the server's 5 s default before it sends ("I/O
    /// on closed channel", seen once in CI). `HTTPTimeoutTests` covers the timeout itself.
    static let patientLoopback = HTTPServerConfiguration(host: "127.0.0.1", port: 0, readTimeoutMs: 600_000)
}

struct FixedLiveViewSource: LiveViewSource {
    static func pv(_ pairs: [(Verdict, UInt64)]) -> PerVerdict<UInt64> {
        var p = PerVerdict<UInt64>()
        for (v, n) in pairs { p[v] = n }
        return p
    }

    func counts(view: ViewWindow, by: Grouping) async -> CountsResponse {
        let rows: [CountsRow]
        switch by {
        case .scenario:
            rows = [
                CountsRow(scenario: "transit", nameZh: "\"一码通乘\"服务", nameEn: "One-code public transit",
                          byVerdict: Self.pv([(.valid, 90), (.duplicate, 3), (.expired, 2)]), late: 1),
                CountsRow(scenario: "hospital", nameZh: "就医住院服务", nameEn: "Hospital visits and admission",
                          byVerdict: Self.pv([(.valid, 40), (.malformed, 1)])),
            ]
        case .district:
            rows = [
                CountsRow(district: "500103", nameZh: "渝中区", nameEn: "Yuzhong",
                          byVerdict: Self.pv([(.valid, 100), (.duplicate, 3)]), late: 1),
                CountsRow(district: "500101", nameZh: "万州区", nameEn: "Wanzhou",
                          byVerdict: Self.pv([(.valid, 30), (.expired, 2), (.malformed, 1)])),
            ]
        case .cell:
            rows = [
                CountsRow(scenario: "transit", district: "500103", byVerdict: Self.pv([(.valid, 70), (.duplicate, 3)])),
                CountsRow(scenario: "transit", district: "500101", byVerdict: Self.pv([(.valid, 20), (.expired, 2)])),
                CountsRow(scenario: "hospital", district: "500103", byVerdict: Self.pv([(.valid, 30)])),
            ]
        }
        return CountsResponse(view: view, by: by, asOfMs: 1_764_400_020_000, rows: rows)
    }

    func status() async -> StatusResponse {
        StatusResponse(
            startedAtMs: 1_764_400_000_000, nowMs: 1_764_400_012_500, eventsTotal: 136, lateTotal: 1,
            unattributedTotal: 2, eventsPerSecond: 10.5,
            verdictTotals: Self.pv([(.valid, 130), (.duplicate, 3), (.expired, 2), (.malformed, 1)]),
            verdictPerSecond: PerVerdict([0.1, 0, 0, 0, 0, 0.2, 0.2, 10]),
            eventsPerSecondHistory: [9, 10, 10.5],
            partitions: [
                PartitionStatus(topic: "ykm.scans", partition: 0, committedOffset: 41, position: 42, lag: 3,
                                watermarkMs: 1_764_399_900_000),
                PartitionStatus(topic: "ykm.scans", partition: 1),
            ])
    }
}

@Suite("HTTP server")
struct HTTPServerTests {
    let metrics = StreamProcMetrics(startTimeMs: 1_764_400_000_000)

    func app() -> LiveViewServer.App {
        LiveViewServer.makeApplication(source: FixedLiveViewSource(), metrics: metrics,
                                       configuration: .patientLoopback)
    }

    static func object(_ body: ByteBuffer) throws -> [String: Any] {
        let any = try JSONSerialization.jsonObject(with: Data(buffer: body))
        return try #require(any as? [String: Any])
    }

    static func rows(_ body: ByteBuffer) throws -> [[String: Any]] {
        try #require(try object(body)["rows"] as? [[String: Any]])
    }

    @Test func countsByScenarioHasNamesAndVerdicts() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/counts?view=1h&by=scenario", method: .get) { res in
                #expect(res.status == .ok)
                #expect(res.headers[.contentType]?.hasPrefix("application/json") == true)
                let o = try Self.object(res.body)
                #expect(o["view"] as? String == "1h")
                #expect(o["by"] as? String == "scenario")
                #expect((o["as_of_ms"] as? NSNumber)?.int64Value == 1_764_400_020_000)
                let rows = try Self.rows(res.body)
                #expect(rows.count == 2)
                let transit = rows[0]
                #expect(transit["scenario"] as? String == "transit")
                #expect(transit["name_zh"] as? String == "\"一码通乘\"服务")
                #expect(transit["name_en"] as? String == "One-code public transit")
                #expect(transit["district"] == nil)
                #expect((transit["total"] as? NSNumber)?.intValue == 95)
                #expect((transit["late"] as? NSNumber)?.intValue == 1)
                let bv = try #require(transit["by_verdict"] as? [String: Any])
                #expect(Set(bv.keys) == Set(Verdict.allCases.map(\.name)))
                #expect((bv["valid"] as? NSNumber)?.intValue == 90)
                #expect((bv["duplicate"] as? NSNumber)?.intValue == 3)
                #expect((bv["invalid_signature"] as? NSNumber)?.intValue == 0)
            }
        }
    }

    @Test func countsByDistrictAndCell() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/counts?view=24h&by=district", method: .get) { res in
                #expect(res.status == .ok)
                let rows = try Self.rows(res.body)
                #expect(rows.map { $0["district"] as? String } == ["500103", "500101"])
                #expect(rows.map { $0["name_zh"] as? String } == ["渝中区", "万州区"])
                #expect(rows.map { $0["name_en"] as? String } == ["Yuzhong", "Wanzhou"])
                #expect(rows.allSatisfy { $0["scenario"] == nil })
            }
            try await client.execute(uri: "/api/v1/counts?by=cell&view=1m", method: .get) { res in
                #expect(res.status == .ok)
                let o = try Self.object(res.body)
                #expect(o["view"] as? String == "1m")
                let rows = try Self.rows(res.body)
                #expect(rows.count == 3)
                #expect(rows[1]["scenario"] as? String == "transit")
                #expect(rows[1]["district"] as? String == "500101")
                #expect(rows.allSatisfy { $0["name_zh"] == nil && $0["name_en"] == nil })
                #expect((rows[1]["total"] as? NSNumber)?.intValue == 22)
            }
        }
    }

    @Test func countsDefaultsToFiveMinutesByScenario() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/counts", method: .get) { res in
                #expect(res.status == .ok)
                let o = try Self.object(res.body)
                #expect(o["view"] as? String == "5m")
                #expect(o["by"] as? String == "scenario")
            }
        }
    }

    @Test(arguments: [
        "/api/v1/counts?view=7m&by=scenario", "/api/v1/counts?view=5m&by=street",
        "/api/v1/counts?view=", "/api/v1/counts?view=5m&view=1h", "/api/v1/counts?view=5M",
    ])
    func badQueryIs400WithJSONError(uri: String) async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: uri, method: .get) { res in
                #expect(res.status == .badRequest)
                #expect(res.headers[.contentType]?.hasPrefix("application/json") == true)
                let e = try JSONDecoder().decode(APIError.self, from: Data(buffer: res.body))
                #expect(e.error == "bad_request")
                #expect(e.message.contains(uri.contains("by=street") ? "by must be one of" : "view must be one of"))
            }
        }
    }

    @Test func statusCarriesPartitionsAndRates() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/status", method: .get) { res in
                #expect(res.status == .ok)
                let o = try Self.object(res.body)
                #expect((o["uptime_s"] as? NSNumber)?.doubleValue == 12.5)
                #expect((o["events_per_second"] as? NSNumber)?.doubleValue == 10.5)
                #expect((o["events_total"] as? NSNumber)?.intValue == 136)
                let vps = try #require(o["verdict_per_second"] as? [String: Any])
                #expect((vps["valid"] as? NSNumber)?.doubleValue == 10)
                let parts = try #require(o["partitions"] as? [[String: Any]])
                #expect(parts.count == 2)
                #expect(parts[0]["topic"] as? String == "ykm.scans")
                #expect((parts[0]["committed_offset"] as? NSNumber)?.intValue == 41)
                #expect((parts[0]["position"] as? NSNumber)?.intValue == 42)
                #expect((parts[0]["lag"] as? NSNumber)?.intValue == 3)
                #expect((parts[0]["watermark_ms"] as? NSNumber)?.int64Value == 1_764_399_900_000)
                #expect(parts[1]["lag"] == nil)
                // The typed decoder round-trips the body.
                let typed = try JSONDecoder().decode(StatusResponse.self, from: Data(buffer: res.body))
                #expect(typed == (await FixedLiveViewSource().status()))
            }
        }
    }

    @Test func metricsExposeVerdictCountersAfterIncrements() async throws {
        metrics.recordVerdict(.valid, count: 5)
        metrics.recordVerdicts(FixedLiveViewSource.pv([(.valid, 2), (.invalidSignature, 3)]))
        metrics.recordLate(count: 4)
        metrics.recordUnattributed(.badJSON, count: 2)
        metrics.recordVerifyLatency(nanoseconds: 30_000)
        metrics.setPartition(topic: "ykm.scans", partition: 2, lag: 17, committedOffset: 99, watermarkMs: 1_764_400_000_500)
        try await app().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { res in
                #expect(res.status == .ok)
                #expect(res.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: res.body)
                let lines = Set(text.split(separator: "\n").map(String.init))
                #expect(lines.contains(#"streamproc_events_total{verdict="valid"} 7"#))
                #expect(lines.contains(#"streamproc_events_total{verdict="invalid_signature"} 3"#))
                #expect(lines.contains(#"streamproc_events_total{verdict="expired"} 0"#))
                #expect(lines.contains("# TYPE streamproc_events_total counter"))
                #expect(lines.contains("streamproc_late_events_total 4"))
                #expect(lines.contains(#"streamproc_unattributed_total{reason="bad_json"} 2"#))
                #expect(lines.contains(#"streamproc_verify_latency_seconds_bucket{le="0.00002"} 0"#))
                #expect(lines.contains(#"streamproc_verify_latency_seconds_bucket{le="0.00005"} 1"#))
                #expect(lines.contains("streamproc_verify_latency_seconds_count 1"))
                #expect(lines.contains(#"streamproc_consumer_lag{topic="ykm.scans",partition="2"} 17.0"#))
                #expect(lines.contains(#"streamproc_watermark_seconds{topic="ykm.scans",partition="2"} 1764400000.5"#))
                #expect(lines.contains("streamproc_start_time_seconds 1764400000.0"))
            }
        }
        metrics.removePartition(topic: "ykm.scans", partition: 2)
        #expect(!String(decoding: metrics.exposition(), as: UTF8.self).contains("streamproc_consumer_lag{"))
    }

    @Test func dashboardIsSelfContainedHTML() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { res in
                #expect(res.status == .ok)
                #expect(res.headers[.contentType] == "text/html; charset=utf-8")
                #expect(res.headers[.contentSecurityPolicy]?.contains("connect-src 'self'") == true)
                let html = String(buffer: res.body)
                #expect(html.contains("<title>渝快码 扫码实时统计"))
                #expect(html.contains("/api/v1/counts?"))
                #expect(html.contains("/api/v1/status"))
                // Nothing is loaded from elsewhere.
                #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"))
            }
        }
    }

    @Test func unknownRouteIs404() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/nope", method: .get) { res in
                #expect(res.status == .notFound)
            }
        }
    }

    @Test func liveServerAnswersOverTCP() async throws {
        try await app().test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { res in
                #expect(res.status == .ok)
                #expect(String(buffer: res.body) == #"{"status":"ok"}"#)
            }
            try await client.execute(uri: "/api/v1/counts?view=15m&by=district", method: .get) { res in
                #expect(res.status == .ok)
                let typed = try JSONDecoder().decode(CountsResponse.self, from: Data(buffer: res.body))
                #expect(typed.view == .fifteenMinutes)
                #expect(typed.rows.count == 2)
                #expect(typed.rows[0].byVerdict[.duplicate] == 3)
            }
        }
    }
}
