import Aggregates
import Foundation
import Testing

@testable import LoadKit
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import StreamProcTesting

@Suite("HTTP demo source")
struct HTTPDemoSourceTests {
    // 2026-11-27 10:30 Asia/Shanghai.
    static let t0: Int64 = 1_764_210_600_000

    static func csvFirstColumn(_ relative: String) throws -> [String] {
        let text = String(decoding: try SharedFixtures.data(relative), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }
    }

    @Test func rowsCoverTheReferenceTablesAndAgree() async throws {
        let source = DemoLiveViewSource(startedAtMs: Self.t0 - 3_600_000, now: { Self.t0 })
        let scenarioIDs = try Self.csvFirstColumn("data/scenarios.csv")
        let districtCodes = try Self.csvFirstColumn("data/districts.csv")
        let s = await source.counts(view: .oneHour, by: .scenario)
        let d = await source.counts(view: .oneHour, by: .district)
        let c = await source.counts(view: .oneHour, by: .cell)
        #expect(s.rows.compactMap(\.scenario) == scenarioIDs)
        #expect(d.rows.compactMap(\.district) == districtCodes)
        #expect(s.rows.allSatisfy { $0.nameZh?.isEmpty == false && $0.nameEn?.isEmpty == false })
        #expect(d.rows.first { $0.district == "500103" }?.nameZh == "渝中区")
        #expect(s.rows.first { $0.scenario == "transit" }?.nameZh == "\"一码通乘\"服务")
        let sTotal = s.rows.reduce(0) { $0 + $1.total }
        #expect(sTotal > 0)
        #expect(d.rows.reduce(0) { $0 + $1.total } == sTotal)
        #expect(c.rows.reduce(0) { $0 + $1.total } == sTotal)
        #expect(c.rows.allSatisfy { $0.scenario != nil && $0.district != nil && $0.nameZh == nil })
        #expect(s.asOfMs % 60_000 == 0)
    }

    @Test func longerViewsCountMoreAndTimeMovesTheNumbers() async {
        let a = DemoLiveViewSource(now: { Self.t0 })
        let b = DemoLiveViewSource(now: { Self.t0 + 60_000 })
        func total(_ r: CountsResponse) -> UInt64 { r.rows.reduce(0) { $0 + $1.total } }
        let one = total(await a.counts(view: .oneMinute, by: .scenario))
        let five = total(await a.counts(view: .fiveMinutes, by: .scenario))
        let day = total(await a.counts(view: .twentyFourHours, by: .scenario))
        #expect(one < five && five < day)
        #expect(total(await b.counts(view: .oneMinute, by: .scenario)) != one)
    }

    @Test func statusIsConsistent() async {
        let source = DemoLiveViewSource(startedAtMs: Self.t0 - 10_000, now: { Self.t0 })
        let st = await source.status()
        #expect(st.uptimeS == 10)
        #expect(st.eventsPerSecondHistory.count == 120)
        #expect(st.eventsPerSecond == st.eventsPerSecondHistory.last)
        #expect(st.verdictTotals.total == st.eventsTotal)
        #expect(st.partitions.count == 6)
        #expect(st.partitions.allSatisfy { ($0.watermarkMs ?? .max) < st.nowMs && ($0.lag ?? -1) >= 0 })
    }

    @Test func csvParserHandlesQuotes() {
        let rows = DemoLiveViewSource.parseCSV("a,b\n1,\"\"\"x\"\"y\"\n2,\"p, q\"\n")
        #expect(rows == [["1", "\"x\"y"], ["2", "p, q"]])
    }
}
