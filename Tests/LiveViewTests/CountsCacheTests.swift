import Aggregates
import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import LiveView

/// A source whose counts carry its publication number (as the valid count of one
/// row) and which counts how often it was asked.
final class PublishingSource: LiveViewSource {
    let publication: Mutex<UInt64?>
    let calls = Atomic<Int>(0)

    init(publication: UInt64?) { self.publication = Mutex(publication) }

    func publish() { publication.withLock { $0 = ($0 ?? 0) + 1 } }

    func countsPublication() -> UInt64? { publication.withLock { $0 } }

    func counts(view: ViewWindow, by: Grouping) async -> CountsResponse {
        calls.add(1, ordering: .relaxed)
        let p = publication.withLock { $0 } ?? 0
        var pv = PerVerdict<UInt64>()
        pv[.valid] = p
        return CountsResponse(view: view, by: by, asOfMs: Int64(p),
                              rows: [CountsRow(scenario: "transit", district: "500103", byVerdict: pv)])
    }

    func status() async -> StatusResponse { await FixedLiveViewSource().status() }
}

@Suite("Counts cache")
struct CountsCacheTests {
    static func asOf(_ body: ByteBuffer) throws -> Int64 {
        try JSONDecoder().decode(CountsResponse.self, from: Data(buffer: body)).asOfMs
    }

    @Test func samePublicationIsComputedOncePerKey() async throws {
        let source = PublishingSource(publication: 7)
        let cache = CountsCache()
        let a = await cache.body(view: .twentyFourHours, by: .cell, source: source)
        let b = await cache.body(view: .twentyFourHours, by: .cell, source: source)
        #expect(a == b)
        #expect(try Self.asOf(a) == 7)
        #expect(cache.computations == 1)
        #expect(source.calls.load(ordering: .relaxed) == 1)
        // Another (view, by) is its own entry.
        let c = await cache.body(view: .twentyFourHours, by: .scenario, source: source)
        #expect(try JSONDecoder().decode(CountsResponse.self, from: Data(buffer: c)).by == .scenario)
        #expect(cache.computations == 2)
        // A new publication recomputes, once.
        source.publish()
        let d = await cache.body(view: .twentyFourHours, by: .cell, source: source)
        _ = await cache.body(view: .twentyFourHours, by: .cell, source: source)
        #expect(try Self.asOf(d) == 8)
        #expect(cache.computations == 3)
    }

    @Test func cachedBodyEqualsTheUncachedEncoding() async throws {
        let source = PublishingSource(publication: 3)
        let cached = await CountsCache().body(view: .oneHour, by: .cell, source: source)
        let direct = LiveViewServer.encode(await source.counts(view: .oneHour, by: .cell))
        #expect(cached == direct)
    }

    @Test func withoutPublicationEveryRequestComputes() async throws {
        let source = PublishingSource(publication: nil)
        let cache = CountsCache()
        for _ in 0..<3 { _ = await cache.body(view: .fiveMinutes, by: .district, source: source) }
        #expect(cache.computations == 3)
        #expect(source.calls.load(ordering: .relaxed) == 3)
    }

    @Test func concurrentRequestsShareOneComputation() async throws {
        let source = PublishingSource(publication: 1)
        let cache = CountsCache()
        let bodies = await withTaskGroup(of: ByteBuffer.self) { group in
            for _ in 0..<64 { group.addTask { await cache.body(view: .twentyFourHours, by: .cell, source: source) } }
            return await group.reduce(into: [ByteBuffer]()) { $0.append($1) }
        }
        #expect(bodies.count == 64)
        #expect(Set(bodies.map { Data(buffer: $0) }).count == 1)
        #expect(cache.computations == 1)
    }

    @Test func serverServesCachedCountsAndSeesNewPublications() async throws {
        let source = PublishingSource(publication: 10)
        let app = LiveViewServer.makeApplication(source: source, metrics: StreamProcMetrics(startTimeMs: 0))
        try await app.test(.router) { client in
            for _ in 0..<3 {
                let res = try await client.execute(uri: "/api/v1/counts?view=24h&by=cell", method: .get)
                #expect(res.status == .ok)
                #expect(try Self.asOf(res.body) == 10)
            }
            #expect(source.calls.load(ordering: .relaxed) == 1)
            source.publish()
            let res = try await client.execute(uri: "/api/v1/counts?view=24h&by=cell", method: .get)
            #expect(try Self.asOf(res.body) == 11)
            #expect(source.calls.load(ordering: .relaxed) == 2)
        }
    }
}
