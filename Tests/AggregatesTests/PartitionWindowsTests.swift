import Testing
@testable import Aggregates

/// Worked examples of the window rules (spec v1 §7) with hand-computed values.
@Suite struct PartitionWindowsTests {
    static let cfg = WindowConfiguration(scenarioCount: 20, districtCount: 41)
    /// 2026-11-19 16:00:00 UTC, a whole hour.
    static let h0: Int64 = 1_795_219_200_000
    static let minute: Int64 = 60_000

    @Test func watermarkIsMaxVerifiedMinusLatenessAndUnverifiedDoNotMoveIt() {
        var w = PartitionWindows(configuration: Self.cfg)
        #expect(w.watermarkMs == nil)
        _ = w.record(scenario: 0, district: 0, verdict: .invalidSignature, eventTimeMs: Self.h0 + 10 * Self.minute, wallClockMs: 0)
        #expect(w.watermarkMs == nil)
        #expect(w.advance(wallClockMs: 1_000_000).isEmpty)   // no verified event: nothing closes, idle has no base
        _ = w.record(scenario: 1, district: 2, verdict: .expired, eventTimeMs: Self.h0 + 5 * Self.minute, wallClockMs: 0)
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute)
        _ = w.record(scenario: 1, district: 2, verdict: .valid, eventTimeMs: Self.h0 + 4 * Self.minute, wallClockMs: 0)
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute)   // never decreases
        let panes = w.advance(wallClockMs: 0)
        #expect(panes.isEmpty)   // minutes 4, 5 and 10 end after the watermark
        #expect(w.viewEdgeMs == Self.h0 + 3 * Self.minute)
    }

    @Test func lateEventIsCountedAndReportedOnceAsCorrection() {
        var w = PartitionWindows(configuration: Self.cfg)
        _ = w.record(scenario: 3, district: 4, verdict: .valid, eventTimeMs: Self.h0 + 30_000, wallClockMs: 0)
        _ = w.record(scenario: 3, district: 4, verdict: .valid, eventTimeMs: Self.h0 + 3 * Self.minute + 1, wallClockMs: 0)
        let closed = w.advance(wallClockMs: 0)   // watermark h0 + 1 min + 1 ms: minute 0 closes
        #expect(closed == [ClosedPane(kind: .onTime, windowStartMs: Self.h0,
                                      counts: [PaneCount(scenario: 3, district: 4, verdict: .valid, count: 1)])])
        #expect(w.record(scenario: 3, district: 4, verdict: .duplicate, eventTimeMs: Self.h0 + 59_999, wallClockMs: 0)
                == .late(windowStartMs: Self.h0))
        #expect(w.record(scenario: 3, district: 4, verdict: .duplicate, eventTimeMs: Self.h0 + 1, wallClockMs: 0)
                == .late(windowStartMs: Self.h0))
        #expect(w.lateCount(scenario: 3, district: 4, verdict: .duplicate) == 2)
        let next = w.advance(wallClockMs: 0)
        #expect(next == [ClosedPane(kind: .late, windowStartMs: Self.h0,
                                    counts: [PaneCount(scenario: 3, district: 4, verdict: .duplicate, count: 2)])])
        #expect(w.advance(wallClockMs: 0).isEmpty)   // reported exactly once
        #expect(w.view(.oneMinute).count(scenario: 3, district: 4, verdict: .duplicate) == 0)  // not in views
        #expect(w.view(.oneMinute).count(scenario: 3, district: 4, verdict: .valid) == 1)
    }

    @Test func idlePartitionAdvancesWithWallClockAfterTimeout() {
        var w = PartitionWindows(configuration: Self.cfg)   // lateness 120 s, idle 30 s
        let wall: Int64 = 5_000_000
        _ = w.record(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Self.h0 + 2 * Self.minute + 30_000, wallClockMs: wall)
        #expect(w.advance(wallClockMs: wall + 30_000).isEmpty)        // watermark h0 + 30 s: nothing ends
        #expect(w.watermarkMs == Self.h0 + 30_000)
        // 30 s idle timeout + 60 s more: watermark h0 + 90 s, so minute 0 ... but minute 0 is empty
        // and minute 2 holds the event: it closes once the watermark reaches h0 + 3 min,
        // i.e. at wall + 30 s + 150 s.
        #expect(w.advance(wallClockMs: wall + 90_000).isEmpty)
        #expect(w.watermarkMs == Self.h0 + 90_000)
        #expect(w.advance(wallClockMs: wall + 179_999).isEmpty)
        let panes = w.advance(wallClockMs: wall + 180_000)
        #expect(panes.map(\.windowStartMs) == [Self.h0 + 2 * Self.minute])
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute)
        // A verified event folds the idle time in: no jump back, no double counting of idle time.
        _ = w.record(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Self.h0, wallClockMs: wall + 200_000)
        _ = w.advance(wallClockMs: wall + 200_000)
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute + 20_000)
        _ = w.advance(wallClockMs: wall + 230_000)   // only 30 s since that event: no idle advance yet
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute + 20_000)
    }

    @Test func rollingViewsCoverTheirSpansAndTheDayIsHourGranular() {
        var w = PartitionWindows(configuration: Self.cfg)
        // One valid event in each minute of 26 hours, cell (0, 0).
        for m in 0..<(26 * 60) {
            _ = w.record(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Self.h0 + Int64(m) * Self.minute, wallClockMs: 0)
        }
        _ = w.record(scenario: 1, district: 1, verdict: .valid, eventTimeMs: Self.h0 + 26 * 60 * Self.minute + 2 * Self.minute + 30 * Self.minute, wallClockMs: 0)
        // Watermark: h0 + 26 h + 30 min. Edge E = h0 + 26 h 30 min.
        let closed = w.advance(wallClockMs: 0)
        #expect(closed.count == 26 * 60)
        #expect(w.viewEdgeMs == Self.h0 + (26 * 60 + 30) * Self.minute)
        func n(_ v: RollingView) -> UInt32 { w.view(v).count(scenario: 0, district: 0, verdict: .valid) }
        // Minutes with events end at 26 h; E is 30 min later.
        #expect(n(.oneMinute) == 0 && n(.fiveMinutes) == 0 && n(.fifteenMinutes) == 0)
        #expect(n(.oneHour) == 30)
        // 24 h view: [ceilHour(E) − 24 h, E) = [h0 + 3 h, h0 + 26 h 30) → events of hours 3…25 = 23 h.
        #expect(n(.twentyFourHours) == 23 * 60)
        // Merged view of two partitions.
        let merged = ViewCounts.merged(.oneHour, of: [w, w])
        #expect(merged.count(scenario: 0, district: 0, verdict: .valid) == 60)
        #expect(merged.total(scenario: 0, district: 0) == 60)
    }

    @Test func snapshotRestoreContinueEqualsUninterruptedRun() throws {
        var rng = SplitMix64(seed: 77)
        var a = PartitionWindows(configuration: Self.cfg)
        var b = a
        var outA: [ClosedPane] = [], outB: [ClosedPane] = []
        var t = Self.h0, wall: Int64 = 0
        for i in 0..<3_000 {
            let s = rng.int(0...19), d = rng.int(0...40)
            let v = Verdict(rawValue: UInt8(rng.int(0...7)))!
            let et = t - Int64(rng.int(0...200_000))
            #expect(a.record(scenario: s, district: d, verdict: v, eventTimeMs: et, wallClockMs: wall)
                    == b.record(scenario: s, district: d, verdict: v, eventTimeMs: et, wallClockMs: wall))
            t += Int64(rng.int(0...2_000)); wall += Int64(rng.int(0...2_000))
            if i % 97 == 0 { outA += a.advance(wallClockMs: wall); outB += b.advance(wallClockMs: wall) }
            if i % 500 == 250 { b = try PartitionWindows(snapshot: b.snapshot(), configuration: Self.cfg) }
        }
        outA += a.closeAll(); outB += b.closeAll()
        #expect(outA == outB)
        #expect(outA.contains { $0.kind == .late })
        #expect(a.snapshot() == b.snapshot())
        for v in RollingView.allCases { #expect(a.view(v) == b.view(v)) }
    }

    @Test func corruptSnapshotsThrowAndNeverTrap() throws {
        var w = PartitionWindows(configuration: WindowConfiguration(scenarioCount: 3, districtCount: 4))
        for i in 0..<200 {
            _ = w.record(scenario: i % 3, district: i % 4, verdict: .valid, eventTimeMs: Self.h0 + Int64(i) * 7_000, wallClockMs: 0)
            if i % 20 == 0 { _ = w.advance(wallClockMs: 0) }
            if i % 30 == 0 { _ = w.record(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Self.h0, wallClockMs: 0) }
        }
        let bytes = w.snapshot()
        let cfg = WindowConfiguration(scenarioCount: 3, districtCount: 4)
        #expect(try PartitionWindows(snapshot: bytes, configuration: cfg).snapshot() == bytes)
        for cut in 0..<bytes.count {
            #expect(throws: SnapshotError.self) { try PartitionWindows(snapshot: Array(bytes.prefix(cut)), configuration: cfg) }
        }
        #expect(throws: SnapshotError.unsupportedVersion(2)) { try PartitionWindows(snapshot: [2] + bytes.dropFirst(), configuration: cfg) }
        var rng = SplitMix64(seed: 5)
        var accepted = 0
        for _ in 0..<2_000 {
            var b = bytes
            for _ in 0..<rng.int(1...3) { b[rng.int(1...b.count - 1)] = UInt8(rng.int(0...255)) }
            if var r = try? PartitionWindows(snapshot: b, configuration: cfg) { _ = r.closeAll(); _ = r.view(.twentyFourHours); accepted += 1 }
        }
        #expect(accepted < 2_000)
    }

    @Test func outOfRangeIndicesAreUnattributedNotDropped() {
        var w = PartitionWindows(configuration: Self.cfg)
        #expect(w.record(scenario: 20, district: 0, verdict: .valid, eventTimeMs: Self.h0, wallClockMs: 0) == .unattributed(.unknownScenario))
        #expect(w.record(scenario: 0, district: -1, verdict: .valid, eventTimeMs: Self.h0, wallClockMs: 0) == .unattributed(.unknownDistrict))
        #expect(w.record(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Int64.max, wallClockMs: 0) == .unattributed(.badValue))
        w.recordUnattributed(.tooLarge)
        #expect(w.unattributedTotal == 4)
        #expect(w.unattributedCount(.unknownScenario) == 1)
        #expect(w.watermarkMs == nil)
    }

    @Test func replayCSVSortsByNamesAndSumsPanesOfOneWindow() {
        let panes = [
            ClosedPane(kind: .onTime, windowStartMs: 60_000, counts: [
                PaneCount(scenario: 0, district: 1, verdict: .valid, count: 2),
                PaneCount(scenario: 1, district: 0, verdict: .valid, count: 1),
                PaneCount(scenario: 1, district: 0, verdict: .expired, count: 4)]),
            ClosedPane(kind: .onTime, windowStartMs: 60_000, counts: [PaneCount(scenario: 0, district: 1, verdict: .valid, count: 3)]),
            ClosedPane(kind: .onTime, windowStartMs: 0, counts: [PaneCount(scenario: 0, district: 0, verdict: .malformed, count: 1)]),
            ClosedPane(kind: .late, windowStartMs: 0, counts: [PaneCount(scenario: 0, district: 0, verdict: .valid, count: 9)]),
        ]
        let names = ["transit", "bank"], districts = ["500102", "500101"]
        #expect(ReplayCounts.csvLines(panes, scenarioNames: names, districtNames: districts) == [
            "0,transit,500102,malformed,1",
            "60000,bank,500102,expired,4",
            "60000,bank,500102,valid,1",
            "60000,transit,500101,valid,5",
        ])
        #expect(ReplayCounts.lateCSVLines(panes, scenarioNames: names, districtNames: districts) == ["0,transit,500102,valid,9"])
    }
}
