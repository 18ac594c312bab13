import Testing
@testable import Aggregates

/// Random streams (seeded, deterministic) against ReferenceWindows: disorder, late events,
/// far-off times (overflow, > 25 h jumps), bounded times (replayed codes), idle wall-clock gaps
/// while caught up or not, the open-pane cap, snapshots, copies, merges and table growth.
/// 1 100 streams in total.
@Suite struct WindowPropertyTests {
    static let t0: Int64 = 1_795_219_140_000

    struct Gen {
        var rng: SplitMix64
        var now: Int64
        var wall: Int64
        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
            now = WindowPropertyTests.t0 + Int64(rng.int(0...3_600_000))
            wall = now + Int64(rng.int(0...60_000))
        }
        mutating func config(maxS: Int = 4, maxD: Int = 5) -> WindowConfiguration {
            WindowConfiguration(scenarioCount: rng.int(1...maxS), districtCount: rng.int(1...maxD),
                                allowedLatenessMs: [0, 30_000, 120_000, 120_000][rng.int(0...3)],
                                idleTimeoutMs: [0, 10_000, 30_000, 30_000][rng.int(0...3)],
                                maxOpenPanes: [48, 48, 20, 6, 2][rng.int(0...4)])
        }
        /// One event (scenario, district, verdict, time, bounded time) for tables s × d.
        mutating func event(_ c: WindowConfiguration) -> (Int, Int, Verdict, Int64, Int64) {
            var s = rng.int(0...c.scenarioCount - 1), d = rng.int(0...c.districtCount - 1)
            if rng.chance(0.005) { s = rng.chance(0.5) ? -1 : c.scenarioCount }
            if rng.chance(0.005) { d = rng.chance(0.5) ? -1 : c.districtCount }
            let v = rng.chance(0.5) ? Verdict.valid : Verdict(rawValue: UInt8(rng.int(0...7)))!
            var t = now - Int64(rng.int(0...Int(c.allowedLatenessMs) + 180_000))
            let r = rng.int(0...99)
            if r < 2 { t = now + Int64(rng.int(-3 * 86_400_000...3 * 86_400_000)) }       // far off
            else if r < 5 { t = now + Int64(rng.int(0...20 * 60_000)) }                   // ahead
            // Bounded time: usually scanned_at; sometimes an earlier signed expiry (a replayed
            // code), sometimes a later one (min(scanned_at, bound) applies).
            var b = t
            let q = rng.int(0...9)
            if q < 2 { b = t - Int64(rng.int(0...900_000)) } else if q < 3 { b = t + Int64(rng.int(0...100_000)) }
            now += Int64(rng.int(0...4_000)); wall += Int64(rng.int(0...4_000))
            return (s, d, v, t, b)
        }
    }

    /// Compares a state with its model: watermark, edge, views, late and unattributed counters.
    static func same(_ w: PartitionWindows, _ m: ReferenceWindows, views: Bool = true) -> Bool {
        guard w.watermarkMs == m.watermarkMs, w.viewEdgeMs == m.edge.map({ $0 * 60_000 }) else { return false }
        if views { for v in RollingView.allCases where w.view(v) != m.view(v) { return false } }
        for r in MalformedReason.allCases where w.unattributedCount(r) != m.unattributed[Int(r.rawValue)] { return false }
        for s in 0..<m.scenarioCount { for d in 0..<m.districtCount { for v in Verdict.allCases {
            if w.lateCount(scenario: s, district: d, verdict: v) != m.lateTotals[.init(s: s, d: d, v: v.rawValue), default: 0] { return false }
        } } }
        return true
    }

    /// Runs one single-partition stream; returns a failure description or nil.
    struct Coverage { var late = 0, onTimePanes = 0, latePanes = 0, idleAdvances = 0, overflowed = 0, unattributed = 0, capCloses = 0 }

    static func runStream(seed: UInt64, growAt: Int? = nil) -> String? {
        var cov = Coverage()
        return runStream(seed: seed, growAt: growAt, coverage: &cov)
    }

    static func runStream(seed: UInt64, growAt: Int? = nil, coverage cov: inout Coverage) -> String? {
        var g = Gen(seed: seed)
        var cfg = g.config()
        var w = PartitionWindows(configuration: cfg)
        var m = ReferenceWindows(cfg)
        var closedEvents = 0
        let ops = g.rng.int(150...400)
        for op in 0..<ops {
            if op == growAt {
                cfg = WindowConfiguration(scenarioCount: cfg.scenarioCount + g.rng.int(0...3),
                                          districtCount: cfg.districtCount + g.rng.int(0...4),
                                          allowedLatenessMs: cfg.allowedLatenessMs, idleTimeoutMs: cfg.idleTimeoutMs,
                                          maxOpenPanes: cfg.maxOpenPanes)
                if g.rng.chance(0.5) {
                    w.grow(scenarioCount: cfg.scenarioCount, districtCount: cfg.districtCount)
                } else {
                    do { w = try PartitionWindows(snapshot: w.snapshot(), configuration: cfg) }
                    catch { return "seed \(seed) op \(op): growth restore threw \(error)" }
                }
                m.scenarioCount = cfg.scenarioCount; m.districtCount = cfg.districtCount
                if !same(w, m) { return "seed \(seed) op \(op): state differs after growth" }
            }
            let r = g.rng.int(0...99)
            if r < 75 {
                let (s, d, v, t, bt) = g.event(cfg)
                let a = w.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
                let b = m.record(s, d, v, t, bt, g.wall)
                if w.openPaneCount > cfg.maxOpenPanes { return "seed \(seed) op \(op): \(w.openPaneCount) open panes > cap" }
                if a != b { return "seed \(seed) op \(op): record \(a) vs model \(b)" }
                if case .late = a { cov.late += 1 }
                if case .unattributed = a { cov.unattributed += 1 }
                if !w.storage.overflow.isEmpty { cov.overflowed += 1 }
            } else if r < 90 {
                let caughtUp = g.rng.chance(0.7)
                let a = w.advance(wallClockMs: g.wall, caughtUp: caughtUp), b = m.advance(g.wall, caughtUp: caughtUp)
                cov.onTimePanes += a.filter { $0.kind == .onTime }.count
                cov.latePanes += a.filter { $0.kind == .late }.count
                if a != b { return "seed \(seed) op \(op): advance panes differ \(a.count) vs \(b.count)" }
                closedEvents += a.count
                if !same(w, m) { return "seed \(seed) op \(op): state differs after advance" }
            } else if r < 93 {
                g.wall += g.rng.chance(0.2) ? Int64(g.rng.int(1...30)) * 3_600_000 : Int64(g.rng.int(20_000...600_000))
            } else if r < 95 {
                let bytes = w.snapshot()
                do {
                    let restored = try PartitionWindows(snapshot: bytes, configuration: cfg)
                    if restored.snapshot() != bytes { return "seed \(seed) op \(op): snapshot not canonical" }
                    w = restored
                } catch { return "seed \(seed) op \(op): restore threw \(error)" }
            } else if r < 97 {
                let before = w.snapshot()
                var copy = w
                let (s, d, v, t, bt) = g.event(cfg)
                _ = copy.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
                _ = copy.advance(wallClockMs: g.wall + 3_600_000, caughtUp: true)
                if w.snapshot() != before { return "seed \(seed) op \(op): copy-on-write broken" }
            } else {
                g.now += Int64(g.rng.int(0...7_200_000))
            }
        }
        let a = w.closeAll(), b = m.closeAll()
        if a != b { return "seed \(seed): closeAll panes differ" }
        if !same(w, m) { return "seed \(seed): final state differs" }
        cov.idleAdvances += m.idleRaises; cov.capCloses += m.capCloses
        _ = closedEvents
        return nil
    }

    @Test func singlePartitionStreamsMatchReference() {
        var failures: [String] = []
        var cov = Coverage()
        for seed in 0..<700 as Range<UInt64> {
            if let f = Self.runStream(seed: seed, coverage: &cov) { failures.append(f); if failures.count > 3 { break } }
        }
        #expect(failures.isEmpty, "\(failures)")
        // The streams exercised every path.
        #expect(cov.late > 1_000 && cov.latePanes > 500 && cov.onTimePanes > 5_000)
        #expect(cov.idleAdvances > 100 && cov.overflowed > 100 && cov.unattributed > 100 && cov.capCloses > 100, "\(cov)")
    }

    @Test func tableGrowthStreamsMatchReference() {
        var failures: [String] = []
        for seed in 10_000..<10_100 as Range<UInt64> {
            if let f = Self.runStream(seed: seed, growAt: Int(seed % 120)) { failures.append(f); if failures.count > 3 { break } }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// Per-partition states fed disjoint events (no closing) merge into exactly the state fed
    /// everything, in any order and grouping; afterwards both emit the same panes.
    @Test func mergeOfPartitionsEqualsOneStateFedEverything() throws {
        for seed in 20_000..<20_150 as Range<UInt64> {
            var g = Gen(seed: seed)
            // Idle advance is per partition (gaps between a partition's own verified events),
            // so equality with one state holds without idle advance: idle timeout ~ 35 years;
            // likewise without capacity closes (the cap counts one partition's open minutes).
            var cfg = g.config()
            cfg.idleTimeoutMs = 1 << 40
            cfg.maxOpenPanes = WindowConfiguration.maxOpenPanesLimit
            let p = g.rng.int(2...4)
            var parts = Array(repeating: PartitionWindows(configuration: cfg), count: p)
            var single = PartitionWindows(configuration: cfg)
            for _ in 0..<g.rng.int(20...200) {
                let (s, d, v, t, bt) = g.event(cfg)
                let i = g.rng.int(0...p - 1)
                let a = parts[i].record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
                let b = single.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
                #expect(a == b)
                if g.rng.chance(0.02) { parts[i].recordUnattributed(.badCode); single.recordUnattributed(.badCode) }
            }
            var left = parts[0]
            for q in parts.dropFirst() { left.merge(q) }
            var right = parts[p - 1]
            for q in parts.dropLast().reversed() { right.merge(q) }
            var grouped = parts[0]
            var rest = parts[1]
            for q in parts.dropFirst(2) { rest.merge(q) }
            grouped.merge(rest)
            let expected = single.snapshot()
            let l = left.snapshot() == expected, r = right.snapshot() == expected, gr = grouped.snapshot() == expected
            #expect(l && r && gr, "seed \(seed)")
            let wall = g.wall + Int64(g.rng.int(0...900_000))
            #expect(left.advance(wallClockMs: wall, caughtUp: true) == single.advance(wallClockMs: wall, caughtUp: true), "seed \(seed)")
            for v in RollingView.allCases { #expect(left.view(v) == single.view(v)) }
            #expect(left.closeAll() == single.closeAll(), "seed \(seed)")
        }
    }

    /// Partitions that closed windows at different paces: merging is commutative and
    /// associative (equal snapshots), and nothing is lost or doubled: all panes ever emitted
    /// (per partition before the merge, by the merged state after) sum to the events recorded.
    @Test func mergeWithClosedWindowsConservesCounts() throws {
        for seed in 30_000..<30_150 as Range<UInt64> {
            var g = Gen(seed: seed)
            let cfg = g.config()
            var parts = (0..<3).map { _ in PartitionWindows(configuration: cfg) }
            var recorded: [Int64: [PaneCount]] = [:]
            var emitted: [ClosedPane] = []
            for _ in 0..<g.rng.int(50...250) {
                let i = g.rng.int(0...2)
                if g.rng.chance(0.15) { emitted += parts[i].advance(wallClockMs: g.wall, caughtUp: g.rng.chance(0.5)); continue }
                let (s, d, v, t, bt) = g.event(cfg)
                if case .unattributed = parts[i].record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall) { continue }
                recorded[ReferenceWindows.minute(t), default: []].append(PaneCount(scenario: s, district: d, verdict: v, count: 1))
            }
            let (a, b, c) = (parts[0], parts[1], parts[2])
            var ab = a; ab.merge(b)
            var ba = b; ba.merge(a)
            let commutative = ab.snapshot() == ba.snapshot()
            #expect(commutative, "seed \(seed)")
            var abc = ab; abc.merge(c)
            var bc = b; bc.merge(c)
            var aBC = a; aBC.merge(bc)
            let associative = abc.snapshot() == aBC.snapshot()
            #expect(associative, "seed \(seed)")
            emitted += abc.advance(wallClockMs: g.wall, caughtUp: true)
            emitted += abc.closeAll()
            // Sum emitted and recorded per (minute, cell).
            var want: [ReferenceWindows.Cell: [Int64: UInt32]] = [:], got = want
            for (m, list) in recorded { for pc in list {
                want[.init(s: pc.scenario, d: pc.district, v: pc.verdict.rawValue), default: [:]][m, default: 0] += 1 } }
            for pane in emitted { for pc in pane.counts {
                got[.init(s: pc.scenario, d: pc.district, v: pc.verdict.rawValue), default: [:]][pane.windowStartMs / 60_000, default: 0] += pc.count } }
            #expect(got == want, "seed \(seed)")
        }
    }

    /// A small-table state restored into and merged into a configuration larger than 20 × 41.
    @Test func smallTableStateGrowsIntoLargeConfiguration() throws {
        var g = Gen(seed: 40_000)
        let small = WindowConfiguration(scenarioCount: 20, districtCount: 41)
        let big = WindowConfiguration(scenarioCount: 24, districtCount: 45)
        var a = PartitionWindows(configuration: small)
        var bigFed = PartitionWindows(configuration: big)
        var modelBig = ReferenceWindows(big)
        var fed = 0
        for _ in 0..<400 {
            let (s, d, v, t, bt) = g.event(small)
            guard s >= 0, s < 20, d >= 0, d < 41 else { continue }
            let r1 = a.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
            let r2 = bigFed.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
            let r3 = modelBig.record(s, d, v, t, bt, g.wall)
            #expect(r1 == r3 && r2 == r3)
            fed += 1
        }
        #expect(fed > 350)
        // Restore into the big configuration.
        let restored = try PartitionWindows(snapshot: a.snapshot(), configuration: big)
        #expect(restored.configuration.scenarioCount == 24 && restored.configuration.districtCount == 45)
        // Merge the small state into an empty big one: same snapshot as the restore.
        var merged = PartitionWindows(configuration: big)
        merged.merge(a)
        let mergedEqual = merged.snapshot() == restored.snapshot()
        #expect(mergedEqual)
        // Both equal the big state fed the same events.
        let restoredEqual = restored.snapshot() == bigFed.snapshot()
        #expect(restoredEqual)
        // Continue with events in the new rows.
        var r = restored
        for _ in 0..<200 {
            let (s, d, v, t, bt) = g.event(big)
            #expect(r.record(scenario: s, district: d, verdict: v, eventTimeMs: t, boundedTimeMs: bt, wallClockMs: g.wall)
                    == modelBig.record(s, d, v, t, bt, g.wall))
        }
        #expect(r.closeAll() == modelBig.closeAll())
        for v in RollingView.allCases { #expect(r.view(v) == modelBig.view(v)) }
        #expect(throws: SnapshotError.self) { try PartitionWindows(snapshot: r.snapshot(), configuration: small) }
    }
}
