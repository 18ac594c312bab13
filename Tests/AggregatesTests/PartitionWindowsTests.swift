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
        _ = w.recordUnbounded(scenario: 0, district: 0, verdict: .invalidSignature, eventTimeMs: Self.h0 + 10 * Self.minute, wallClockMs: 0)
        #expect(w.watermarkMs == nil)
        #expect(w.advance(wallClockMs: 1_000_000, caughtUp: false).isEmpty)   // no verified event: nothing closes, idle has no base
        _ = w.recordUnbounded(scenario: 1, district: 2, verdict: .expired, eventTimeMs: Self.h0 + 5 * Self.minute, wallClockMs: 0)
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute)
        _ = w.recordUnbounded(scenario: 1, district: 2, verdict: .valid, eventTimeMs: Self.h0 + 4 * Self.minute, wallClockMs: 0)
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute)   // never decreases
        let panes = w.advance(wallClockMs: 0, caughtUp: false)
        #expect(panes.isEmpty)   // minutes 4, 5 and 10 end after the watermark
        #expect(w.viewEdgeMs == Self.h0 + 3 * Self.minute)
    }

    @Test func lateEventIsCountedAndReportedOnceAsCorrection() {
        var w = PartitionWindows(configuration: Self.cfg)
        _ = w.recordUnbounded(scenario: 3, district: 4, verdict: .valid, eventTimeMs: Self.h0 + 30_000, wallClockMs: 0)
        _ = w.recordUnbounded(scenario: 3, district: 4, verdict: .valid, eventTimeMs: Self.h0 + 3 * Self.minute + 1, wallClockMs: 0)
        let closed = w.advance(wallClockMs: 0, caughtUp: false)   // watermark h0 + 1 min + 1 ms: minute 0 closes
        #expect(closed == [ClosedPane(kind: .onTime, windowStartMs: Self.h0,
                                      counts: [PaneCount(scenario: 3, district: 4, verdict: .valid, count: 1)])])
        #expect(w.recordUnbounded(scenario: 3, district: 4, verdict: .duplicate, eventTimeMs: Self.h0 + 59_999, wallClockMs: 0)
                == .late(windowStartMs: Self.h0))
        #expect(w.recordUnbounded(scenario: 3, district: 4, verdict: .duplicate, eventTimeMs: Self.h0 + 1, wallClockMs: 0)
                == .late(windowStartMs: Self.h0))
        #expect(w.lateCount(scenario: 3, district: 4, verdict: .duplicate) == 2)
        let next = w.advance(wallClockMs: 0, caughtUp: false)
        #expect(next == [ClosedPane(kind: .late, windowStartMs: Self.h0,
                                    counts: [PaneCount(scenario: 3, district: 4, verdict: .duplicate, count: 2)])])
        #expect(w.advance(wallClockMs: 0, caughtUp: false).isEmpty)   // reported exactly once
        #expect(w.view(.oneMinute).count(scenario: 3, district: 4, verdict: .duplicate) == 0)  // not in views
        #expect(w.view(.oneMinute).count(scenario: 3, district: 4, verdict: .valid) == 1)
    }

    @Test func caughtUpIdlePartitionJumpsToWallClockMinusLateness() {
        var w = PartitionWindows(configuration: Self.cfg)   // lateness 120 s, idle 30 s
        let wall = Self.h0 + 2 * Self.minute + 30_000        // wall clock = event time here
        _ = w.recordUnbounded(scenario: 0, district: 0, verdict: .valid, eventTimeMs: wall, wallClockMs: wall)
        #expect(w.watermarkMs == Self.h0 + 30_000)
        // 29.999 s without a verified event: not idle yet, even caught up.
        #expect(w.advance(wallClockMs: wall + 29_999, caughtUp: true).isEmpty)
        #expect(w.watermarkMs == Self.h0 + 30_000)
        // Not caught up: never idle, however long.
        #expect(w.advance(wallClockMs: wall + 600_000, caughtUp: false).isEmpty)
        #expect(w.watermarkMs == Self.h0 + 30_000)
        // Caught up and 30 s idle: at once wall − 120 s = h0 + 1 min 30 s (minute 0 closes, empty).
        #expect(w.advance(wallClockMs: wall + 60_000, caughtUp: true).isEmpty)
        #expect(w.watermarkMs == Self.h0 + 90_000)
        #expect(w.viewEdgeMs == Self.h0 + Self.minute)
        // 3 min of wall clock later: h0 + 3 min 30 s, the event's minute closes.
        let panes = w.advance(wallClockMs: wall + 180_000, caughtUp: true)
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute + 30_000)
        #expect(panes == [ClosedPane(kind: .onTime, windowStartMs: Self.h0 + 2 * Self.minute,
                                     counts: [PaneCount(scenario: 0, district: 0, verdict: .valid, count: 1)])])
        #expect(w.viewEdgeMs == Self.h0 + 3 * Self.minute)
        // A verified event restarts the idle period: 29 s later, no idle raise.
        let w2 = wall + 200_000
        _ = w.recordUnbounded(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Self.h0 + 4 * Self.minute, wallClockMs: w2)
        _ = w.advance(wallClockMs: w2 + 29_000, caughtUp: true)
        #expect(w.watermarkMs == Self.h0 + 3 * Self.minute + 30_000)   // max(h0 + 2 min, previous)
        _ = w.advance(wallClockMs: w2 + 30_000, caughtUp: true)
        #expect(w.watermarkMs == w2 + 30_000 - 120_000)
        // Unverified records do not restart it.
        _ = w.recordUnbounded(scenario: 1, district: 1, verdict: .unknownKey, eventTimeMs: w2 + 40_000, wallClockMs: w2 + 40_000)
        _ = w.advance(wallClockMs: w2 + 41_000, caughtUp: true)
        #expect(w.watermarkMs == w2 + 41_000 - 120_000)
    }

    /// Revised §7: a genuine code re-sent with scanned_at = now + 4 min (verdict `expired`, its exp
    /// long past) moves time only to exp × 1000 + skew − lateness; genuine events stay on time.
    @Test func replayedCodeCannotPushTimePastItsSignedExpiry() {
        var w = PartitionWindows(configuration: Self.cfg)
        let now = Self.h0 + 30 * Self.minute
        for i in 0..<100 {
            let t = now - 60_000 + Int64(i) * 600
            #expect(w.recordUnbounded(scenario: 2, district: 3, verdict: .valid, eventTimeMs: t, wallClockMs: now) == .counted)
        }
        let before = w.watermarkMs
        #expect(before == now - 600 - 120_000)
        let exp: Int64 = (now - 10 * Self.minute) / 1_000   // seconds
        let bounded = min(now + 4 * Self.minute, exp * 1_000 + 30_000)
        #expect(w.record(scenario: 2, district: 3, verdict: .expired, eventTimeMs: now + 4 * Self.minute,
                         boundedTimeMs: bounded, wallClockMs: now) == .counted)
        #expect(w.watermarkMs == before)
        #expect(w.watermarkMs! >= exp * 1_000 + 30_000 - 120_000)
        _ = w.advance(wallClockMs: now, caughtUp: true)
        // Genuine events from just before now are still on time (the unbounded rule would have
        // moved the watermark to now + 2 min and made them late).
        for i in 0..<100 {
            let t = now - 90_000 + Int64(i) * 900
            #expect(w.recordUnbounded(scenario: 2, district: 3, verdict: .valid, eventTimeMs: t, wallClockMs: now + 1_000) == .counted)
        }
        #expect(w.lateCount(scenario: 2, district: 3, verdict: .valid) == 0)
        #expect(w.advance(wallClockMs: now + 1_000, caughtUp: true).allSatisfy { $0.kind == .onTime })
        // A bounded time above scanned_at does not count: min(scanned_at, bound) applies.
        var v = PartitionWindows(configuration: Self.cfg)
        _ = v.record(scenario: 0, district: 0, verdict: .valid, eventTimeMs: now, boundedTimeMs: now + 3_600_000, wallClockMs: now)
        #expect(v.watermarkMs == now - 120_000)
    }

    /// Revised §7: a backlog read after a gap is driven by its own events, not made late by the
    /// wall clock, as long as the caller says it is not caught up.
    @Test func backlogReadWhileNotCaughtUpHasNoLateEvents() {
        func run(gapMs: Int64, caughtUpDuringBacklog: Bool) -> (late: Int, w: PartitionWindows) {
            var w = PartitionWindows(configuration: Self.cfg)
            let t0 = Self.h0 + 10 * Self.minute
            // Live, caught up: 30 s of events at 10/s, wall = event time.
            for i in 0..<300 {
                let t = t0 - 30_000 + Int64(i) * 100
                _ = w.recordUnbounded(scenario: 1, district: 1, verdict: .valid, eventTimeMs: t, wallClockMs: t)
                if i % 10 == 9 { _ = w.advance(wallClockMs: t, caughtUp: true) }
            }
            // Outage of `gapMs`; meanwhile terminals produced 2 minutes of events (from t0). They
            // are read fast (1 ms of wall clock each), with advances every 50 records.
            var late = 0
            let resume = t0 + gapMs
            _ = w.advance(wallClockMs: resume, caughtUp: caughtUpDuringBacklog)   // a timer tick before the first fetch
            for i in 0..<1_200 {
                let t = t0 + Int64(i) * 100
                let wall = resume + Int64(i)
                if case .late = w.recordUnbounded(scenario: 1, district: 1, verdict: .valid, eventTimeMs: t, wallClockMs: wall) { late += 1 }
                if i == 0 || i % 50 == 49 { _ = w.advance(wallClockMs: wall, caughtUp: caughtUpDuringBacklog) }
            }
            return (late, w)
        }
        let (late, w) = run(gapMs: 60_000, caughtUpDuringBacklog: false)
        #expect(late == 0)
        // Its own events moved time: max scanned_at (t0 + 119.9 s) − 120 s.
        #expect(w.watermarkMs == Self.h0 + 10 * Self.minute - 100)
        // Contrast: after a 5 min outage, a caller claiming "caught up" during the backlog makes
        // the idle rule fire at the first advance and backlog events late; not claiming it, none.
        #expect(run(gapMs: 300_000, caughtUpDuringBacklog: true).late == 1_200)
        #expect(run(gapMs: 300_000, caughtUpDuringBacklog: false).late == 0)
    }

    /// A partition that never sees a verified event (only unverifiable records) still closes
    /// windows once caught up: its idle clock starts at the first advance.
    @Test func unverifiedFloodClosesWindowsOnceCaughtUp() {
        var w = PartitionWindows(configuration: Self.cfg)
        var rng = SplitMix64(seed: 3)
        var wall = Self.h0
        var emitted: UInt64 = 0, onTimePanes = 0
        for i in 0..<60_000 {
            // Within the decoder's limits: scanned_at in [wall − 10 min, wall + 5 min].
            let t = wall + Int64(rng.int(-600_000...300_000))
            _ = w.recordUnbounded(scenario: rng.int(0...19), district: rng.int(0...40), verdict: .unknownKey,
                                  eventTimeMs: t, wallClockMs: wall)
            wall += 10   // 100 records/s
            if i % 1_000 == 999 {
                for p in w.advance(wallClockMs: wall, caughtUp: true) {
                    if p.kind == .onTime { onTimePanes += 1 }
                    emitted += p.counts.reduce(0) { $0 + UInt64($1.count) }
                }
                // Once idle ([first advance + 30 s): panes in [wall − 2 min − 10 s, wall + 5 min].
                if i >= 4_000 { #expect(w.openPaneCount <= 9) }
                #expect(w.openPaneCount <= 16)   // the cap (48) never acts
            }
        }
        #expect(w.watermarkMs == wall - 120_000)
        for p in w.closeAll() { emitted += p.counts.reduce(0) { $0 + UInt64($1.count) } }
        #expect(emitted == 60_000)   // every record counted, on time or late
        #expect(onTimePanes >= 8)    // 10 min of wall clock: windows kept closing
    }

    /// The documented bound of ``PartitionWindows/allocatedBytes`` without pending corrections.
    static func openBound(_ c: WindowConfiguration) -> Int {
        let cells = c.cellsPerPane
        return 106 * cells * 4 + 928 + (c.maxOpenPanes - 1) * (cells * 4 + 32) + 2_048
    }

    @Test func documentedBoundForV1Tables() {
        #expect(Self.openBound(Self.cfg) <= 4_020_000)
        #expect(PartitionWindows(configuration: Self.cfg).allocatedBytes == 106 * 6_560 * 4 + 928)
    }

    /// Bounded memory whatever the input: 1M unverifiable records over 100k distinct minutes
    /// (a window of 200 minutes sliding 1 minute per 10 records), never caught up, so only the
    /// capacity rule closes panes. Every record is counted (on time or late). Small tables (the
    /// bound scales with the cells per pane) keep the debug-build test fast.
    @Test func openPanesStayBoundedUnderASlidingFlood() {
        let cfg = WindowConfiguration(scenarioCount: 3, districtCount: 4)
        var w = PartitionWindows(configuration: cfg)
        var rng = SplitMix64(seed: 11)
        let m0 = Self.h0 / Self.minute
        var emitted: UInt64 = 0, maxBytes = 0, maxOpen = 0, late = 0
        var closedPerSegment: [Int] = Array(repeating: 0, count: 10)
        for i in 0..<1_000_000 {
            let t = (m0 + Int64(i / 10 + rng.int(0...199))) * Self.minute + Int64(rng.int(0...59_999))
            if case .late = w.recordUnbounded(scenario: rng.int(0...2), district: rng.int(0...3), verdict: .unknownKey,
                                              eventTimeMs: t, wallClockMs: Self.h0) { late += 1 }
            maxOpen = max(maxOpen, w.openPaneCount)
            if i % 2_000 == 1_999 {
                maxBytes = max(maxBytes, w.allocatedBytes)
                for p in w.advance(wallClockMs: Self.h0, caughtUp: false) {
                    if p.kind == .onTime { closedPerSegment[i / 100_000] += 1 }
                    emitted += p.counts.reduce(0) { $0 + UInt64($1.count) }
                }
            }
        }
        for p in w.closeAll() { emitted += p.counts.reduce(0) { $0 + UInt64($1.count) } }
        #expect(emitted == 1_000_000)
        #expect(maxOpen == 48)
        #expect(late > 100_000 && late < 1_000_000)
        // The documented bound plus the pending corrections of the 2 000 records between advances.
        #expect(maxBytes <= Self.openBound(cfg) + 2_000 * 64, "\(maxBytes)")
        #expect(closedPerSegment.allSatisfy { $0 >= 9_000 }, "\(closedPerSegment)")
        #expect(w.unattributedTotal == 0)
    }

    /// The reported case (200k unknown_key records spread over distinct minutes used 202 MB):
    /// uniformly random minutes over 100k, never caught up.
    @Test func openPanesStayBoundedUnderAScatteredFlood() {
        var w = PartitionWindows(configuration: Self.cfg)
        var rng = SplitMix64(seed: 12)
        let m0 = Self.h0 / Self.minute
        var maxBytes = 0, emitted: UInt64 = 0
        for i in 0..<200_000 {
            let t = (m0 + Int64(rng.int(0...99_999))) * Self.minute
            _ = w.recordUnbounded(scenario: rng.int(0...19), district: rng.int(0...40), verdict: .unknownKey,
                                  eventTimeMs: t, wallClockMs: Self.h0)
            if i % 2_000 == 1_999 {
                maxBytes = max(maxBytes, w.allocatedBytes)
                for p in w.advance(wallClockMs: Self.h0, caughtUp: false) { emitted += p.counts.reduce(0) { $0 + UInt64($1.count) } }
            }
        }
        for p in w.closeAll() { emitted += p.counts.reduce(0) { $0 + UInt64($1.count) } }
        #expect(emitted == 200_000)
        #expect(maxBytes <= Self.openBound(Self.cfg) + 2_000 * 64, "\(maxBytes)")
        #expect(maxBytes > PartitionWindows(configuration: Self.cfg).allocatedBytes + 40 * 26_240)   // the overflow was used
    }

    @Test func rollingViewsCoverTheirSpansAndTheDayIsHourGranular() {
        var w = PartitionWindows(configuration: Self.cfg)
        // One valid event in each minute of 26 hours, cell (0, 0).
        for m in 0..<(26 * 60) {
            _ = w.recordUnbounded(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Self.h0 + Int64(m) * Self.minute, wallClockMs: 0)
        }
        _ = w.recordUnbounded(scenario: 1, district: 1, verdict: .valid, eventTimeMs: Self.h0 + 26 * 60 * Self.minute + 2 * Self.minute + 30 * Self.minute, wallClockMs: 0)
        // Watermark: h0 + 26 h + 30 min. Edge E = h0 + 26 h 30 min.
        let closed = w.advance(wallClockMs: 0, caughtUp: false)
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
            #expect(a.recordUnbounded(scenario: s, district: d, verdict: v, eventTimeMs: et, wallClockMs: wall)
                    == b.recordUnbounded(scenario: s, district: d, verdict: v, eventTimeMs: et, wallClockMs: wall))
            t += Int64(rng.int(0...2_000)); wall += Int64(rng.int(0...2_000))
            if i % 97 == 0 { outA += a.advance(wallClockMs: wall, caughtUp: false); outB += b.advance(wallClockMs: wall, caughtUp: false) }
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
            _ = w.recordUnbounded(scenario: i % 3, district: i % 4, verdict: .valid, eventTimeMs: Self.h0 + Int64(i) * 7_000, wallClockMs: 0)
            if i % 20 == 0 { _ = w.advance(wallClockMs: 0, caughtUp: false) }
            if i % 30 == 0 { _ = w.recordUnbounded(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Self.h0, wallClockMs: 0) }
        }
        let bytes = w.snapshot()
        let cfg = WindowConfiguration(scenarioCount: 3, districtCount: 4)
        #expect(try PartitionWindows(snapshot: bytes, configuration: cfg).snapshot() == bytes)
        for cut in 0..<bytes.count {
            #expect(throws: SnapshotError.self) { try PartitionWindows(snapshot: Array(bytes.prefix(cut)), configuration: cfg) }
        }
        #expect(throws: SnapshotError.unsupportedVersion(1)) { try PartitionWindows(snapshot: [1] + bytes.dropFirst(), configuration: cfg) }
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
        #expect(w.recordUnbounded(scenario: 20, district: 0, verdict: .valid, eventTimeMs: Self.h0, wallClockMs: 0) == .unattributed(.unknownScenario))
        #expect(w.recordUnbounded(scenario: 0, district: -1, verdict: .valid, eventTimeMs: Self.h0, wallClockMs: 0) == .unattributed(.unknownDistrict))
        #expect(w.recordUnbounded(scenario: 0, district: 0, verdict: .valid, eventTimeMs: Int64.max, wallClockMs: 0) == .unattributed(.badValue))
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
