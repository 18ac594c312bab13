import Testing
@testable import Aggregates

/// The open-state snapshot (everything but the closed history) plus the closed on-time rows a
/// store keeps restore a state identical to the uninterrupted one.
@Suite struct OpenStateTests {
    static let cfg = WindowConfiguration(scenarioCount: 20, districtCount: 41)
    static let h0: Int64 = 1_795_219_200_000   // a whole hour
    static let minute: Int64 = 60_000

    /// What a store keeps: on-time counts summed per minute and per hour.
    struct Store {
        var minutes: [Int64: [PaneCount]] = [:]
        var hours: [Int64: [PaneCount]] = [:]

        mutating func add(_ panes: [ClosedPane]) {
            for p in panes where p.kind == .onTime {
                minutes[p.windowStartMs, default: []] += p.counts
                hours[WindowStorage.floorDiv(p.windowStartMs, 3_600_000) * 3_600_000, default: []] += p.counts
            }
        }

        /// Rows as a store query returns them: one per (start, cell), summed.
        static func rows(_ d: [Int64: [PaneCount]], in r: Range<Int64>) -> [ClosedCounts] {
            d.filter { r.contains($0.key) }.map { start, list in
                var sum: [PaneCount: UInt32] = [:]
                for c in list { sum[PaneCount(scenario: c.scenario, district: c.district, verdict: c.verdict, count: 0), default: 0] += c.count }
                return ClosedCounts(startMs: start, counts: sum.map {
                    PaneCount(scenario: $0.key.scenario, district: $0.key.district, verdict: $0.key.verdict, count: $0.value)
                })
            }
        }

        func restore(_ w: PartitionWindows, into cfg: WindowConfiguration) throws -> PartitionWindows {
            let bytes = w.openStateSnapshot()
            let edge = try PartitionWindows.viewEdgeMs(openState: bytes)
            let ranges = PartitionWindows.restoreRanges(viewEdgeMs: edge)
            return try PartitionWindows(configuration: cfg, openState: bytes,
                                        closedMinutes: Self.rows(minutes, in: ranges.minutesMs),
                                        closedHours: Self.rows(hours, in: ranges.hoursMs))
        }
    }

    /// Every observable of two states equal (plus their full snapshots).
    static func differences(_ a: PartitionWindows, _ b: PartitionWindows) -> [String] {
        var out: [String] = []
        if a.watermarkMs != b.watermarkMs { out.append("watermark \(String(describing: a.watermarkMs)) vs \(String(describing: b.watermarkMs))") }
        if a.viewEdgeMs != b.viewEdgeMs { out.append("edge") }
        for v in RollingView.allCases where a.view(v) != b.view(v) { out.append("view \(v.label)") }
        for r in MalformedReason.allCases where a.unattributedCount(r) != b.unattributedCount(r) { out.append("unattributed") }
        let c = a.configuration
        for s in 0..<c.scenarioCount { for d in 0..<c.districtCount { for v in Verdict.allCases
            where a.lateCount(scenario: s, district: d, verdict: v) != b.lateCount(scenario: s, district: d, verdict: v) {
                out.append("late \(s) \(d) \(v)")
        } } }
        if a.openStateSnapshot() != b.openStateSnapshot() { out.append("open state") }
        if a.snapshot() != b.snapshot() { out.append("full snapshot") }
        return out
    }

    /// Random streams: at random points the state is replaced by the restore of its open state
    /// and the store's rows; it must stay identical to an uninterrupted twin (every record
    /// outcome, every advance output, every view, watermark, edge, late and unattributed count).
    @Test func restoreFromOpenStateAndStoreEqualsUninterruptedRun() throws {
        var restores = 0, withEdge = 0, withPending = 0, grown = 0
        var failures: [String] = []
        for seed in 50_000..<50_400 as Range<UInt64> {
            var g = WindowPropertyTests.Gen(seed: seed)
            var cfg = g.config()
            var u = PartitionWindows(configuration: cfg)   // uninterrupted
            var w = u                                      // restored now and then
            var store = Store()
            var failure: String? = nil
            ops: for op in 0..<g.rng.int(150...400) {
                let r = g.rng.int(0...99)
                if r < 75 {
                    let (s, d, v, t, bt) = g.event(cfg)
                    let a = u.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
                    let b = w.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
                    if a != b { failure = "op \(op): record \(a) vs \(b)"; break ops }
                    if g.rng.chance(0.01) { u.recordUnattributed(.badJSON); w.recordUnattributed(.badJSON) }
                } else if r < 88 {
                    let caughtUp = g.rng.chance(0.7)
                    let a = u.advance(wallClockMs: g.wall, caughtUp: caughtUp)
                    let b = w.advance(wallClockMs: g.wall, caughtUp: caughtUp)
                    if a != b { failure = "op \(op): advance differs"; break ops }
                    store.add(a)
                } else if r < 91 {
                    g.wall += Int64(g.rng.int(20_000...600_000))
                } else if r < 93 {
                    g.now += Int64(g.rng.int(0...7_200_000))
                } else {
                    // Crash and restore (sometimes into grown tables).
                    var into = cfg
                    if g.rng.chance(0.2) {
                        into.scenarioCount += g.rng.int(0...2); into.districtCount += g.rng.int(0...2)
                        u.grow(scenarioCount: into.scenarioCount, districtCount: into.districtCount)
                        cfg = into; grown += 1
                    }
                    if w.viewEdgeMs != nil { withEdge += 1 }
                    if !w.storage.pendingOnTime.isEmpty { withPending += 1 }
                    do { w = try store.restore(w, into: into) } catch { failure = "op \(op): restore threw \(error)"; break ops }
                    restores += 1
                    let diff = Self.differences(u, w)
                    if !diff.isEmpty { failure = "op \(op): after restore \(diff)"; break ops }
                }
            }
            if failure == nil {
                let a = u.closeAll(), b = w.closeAll()
                if a != b { failure = "closeAll differs" }
                let diff = Self.differences(u, w)
                if !diff.isEmpty { failure = "final \(diff)" }
            }
            if let f = failure { failures.append("seed \(seed) \(f)"); if failures.count > 3 { break } }
        }
        #expect(failures.isEmpty, "\(failures)")
        // The restores covered states with closed history, pending on-time panes and growth.
        #expect(restores > 2_000 && withEdge > 1_000 && withPending > 20 && grown > 200,
                "restores \(restores) withEdge \(withEdge) withPending \(withPending) grown \(grown)")
    }

    @Test func restoreRangesFollowTheViewSpans() {
        // Edge in the middle of an hour: 60 minutes back; 24 hours back from the next whole hour.
        let e = Self.h0 + 90 * Self.minute
        let r = PartitionWindows.restoreRanges(viewEdgeMs: e)
        #expect(r.minutesMs == (e - 60 * Self.minute)..<e)
        #expect(r.hoursMs == (Self.h0 + 2 * 3_600_000 - 24 * 3_600_000)..<(Self.h0 + 2 * 3_600_000))
        // Edge on a whole hour: the 24 full hours before it.
        let r2 = PartitionWindows.restoreRanges(viewEdgeMs: Self.h0)
        #expect(r2.hoursMs == (Self.h0 - 24 * 3_600_000)..<Self.h0)
        #expect(PartitionWindows.restoreRanges(viewEdgeMs: nil).minutesMs.isEmpty)
    }

    /// Hand-checked restore: one event per minute for 3 h, then restore from the rows.
    @Test func restoreRebuildsEveryViewFromMinuteAndHourRows() throws {
        var w = PartitionWindows(configuration: Self.cfg)
        var store = Store()
        for m in 0..<180 {
            let t = Self.h0 + Int64(m) * Self.minute
            _ = w.record(scenario: 1, district: 2, verdict: .valid, eventTimeMs: t, boundedTimeMs: t, wallClockMs: t)
            store.add(w.advance(wallClockMs: t, caughtUp: true))
        }
        // Watermark h0 + 179 min − 2 min: edge h0 + 177 min (minutes 0…176 closed).
        #expect(w.viewEdgeMs == Self.h0 + 177 * Self.minute)
        let bytes = w.openStateSnapshot()
        #expect(bytes.count < 200)
        let r = try store.restore(w, into: Self.cfg)
        func n(_ x: PartitionWindows, _ v: RollingView) -> UInt32 { x.view(v).count(scenario: 1, district: 2, verdict: .valid) }
        #expect(n(r, .oneMinute) == 1 && n(r, .fiveMinutes) == 5 && n(r, .fifteenMinutes) == 15 && n(r, .oneHour) == 60)
        #expect(n(r, .twentyFourHours) == 177)
        #expect(Self.differences(w, r).isEmpty)
        // The closed history is not in the open state: restoring without rows gives empty views
        // but the same edge and watermark.
        let bare = try PartitionWindows(configuration: Self.cfg, openState: bytes, closedMinutes: [], closedHours: [])
        #expect(n(bare, .oneHour) == 0 && bare.viewEdgeMs == w.viewEdgeMs && bare.watermarkMs == w.watermarkMs)
    }

    @Test func badRowsAndBytesThrowAndNeverTrap() throws {
        var w = PartitionWindows(configuration: WindowConfiguration(scenarioCount: 3, districtCount: 4))
        var rng = SplitMix64(seed: 9)
        for i in 0..<300 {
            let t = Self.h0 + Int64(i) * 9_000 - Int64(rng.int(0...200_000))
            _ = w.record(scenario: rng.int(0...2), district: rng.int(0...3), verdict: Verdict(rawValue: UInt8(rng.int(0...7)))!,
                         eventTimeMs: t, boundedTimeMs: t, wallClockMs: t)
            if i % 25 == 0 { _ = w.advance(wallClockMs: t, caughtUp: true) }
        }
        let cfg = w.configuration
        let bytes = w.openStateSnapshot()
        let edge = try #require(w.viewEdgeMs)
        #expect(try PartitionWindows.viewEdgeMs(openState: bytes) == edge)
        let ok = try PartitionWindows(configuration: cfg, openState: bytes, closedMinutes: [], closedHours: [])
        #expect(ok.openStateSnapshot() == bytes)
        let pc = [PaneCount(scenario: 0, district: 0, verdict: .valid, count: 1)]
        // A minute row outside the range, misaligned, or with a cell outside the tables.
        #expect(throws: SnapshotError.self) {
            try PartitionWindows(configuration: cfg, openState: bytes, closedMinutes: [ClosedCounts(startMs: edge, counts: pc)], closedHours: [])
        }
        #expect(throws: SnapshotError.self) {
            try PartitionWindows(configuration: cfg, openState: bytes, closedMinutes: [ClosedCounts(startMs: edge - 30_000, counts: pc)], closedHours: [])
        }
        #expect(throws: SnapshotError.self) {
            try PartitionWindows(configuration: cfg, openState: bytes, closedMinutes: [
                ClosedCounts(startMs: edge - Self.minute, counts: [PaneCount(scenario: 3, district: 0, verdict: .valid, count: 1)])], closedHours: [])
        }
        #expect(throws: SnapshotError.self) {
            try PartitionWindows(configuration: cfg, openState: bytes, closedMinutes: [], closedHours: [ClosedCounts(startMs: edge - Self.minute, counts: pc)])
        }
        // Smaller tables than the snapshot's, other formats, truncations, random damage.
        #expect(throws: SnapshotError.self) {
            try PartitionWindows(configuration: WindowConfiguration(scenarioCount: 2, districtCount: 4), openState: bytes, closedMinutes: [], closedHours: [])
        }
        #expect(throws: SnapshotError.self) { try PartitionWindows(configuration: cfg, openState: w.snapshot(), closedMinutes: [], closedHours: []) }
        #expect(throws: SnapshotError.self) { try PartitionWindows(snapshot: bytes, configuration: cfg) }
        for cut in 0..<bytes.count {
            #expect(throws: SnapshotError.self) {
                try PartitionWindows(configuration: cfg, openState: Array(bytes.prefix(cut)), closedMinutes: [], closedHours: [])
            }
        }
        var accepted = 0
        for _ in 0..<3_000 {
            var b = bytes
            for _ in 0..<rng.int(1...3) { b[rng.int(1...b.count - 1)] = UInt8(rng.int(0...255)) }
            _ = try? PartitionWindows.viewEdgeMs(openState: b)
            if var r = try? PartitionWindows(configuration: cfg, openState: b, closedMinutes: [], closedHours: []) {
                _ = r.advance(wallClockMs: Self.h0 + 86_400_000, caughtUp: true); _ = r.closeAll(); accepted += 1
            }
        }
        #expect(accepted < 3_000)
    }
}
