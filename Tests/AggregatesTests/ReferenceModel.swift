@testable import Aggregates

/// Deterministic PRNG for property tests (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
    mutating func i64(_ r: ClosedRange<Int64>) -> Int64 { r.lowerBound + Int64(next() % UInt64(r.upperBound - r.lowerBound + 1)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

/// A naive reference of one partition's windows: dictionaries keyed by (minute, cell), every
/// closed pane kept forever, views summed on demand. Written from the spec (§7 revised) and the
/// PartitionWindows doc, independently of WindowStorage's rings.
struct ReferenceWindows {
    struct Cell: Hashable, Comparable {
        var s: Int, d: Int, v: UInt8
        static func < (a: Cell, b: Cell) -> Bool { (a.s, a.d, a.v) < (b.s, b.d, b.v) }
    }
    typealias Pane = [Cell: UInt32]

    var scenarioCount: Int, districtCount: Int
    let lateness: Int64, idle: Int64, cap: Int
    var watermark: Int64? = nil
    /// Wall clock of the last verified event, or of the first advance before any.
    var idleSince: Int64? = nil
    var edge: Int64? = nil
    var open: [Int64: Pane] = [:]
    var closed: [Int64: Pane] = [:]
    var pendingOnTime: [Int64: Pane] = [:]
    var pendingLate: [Int64: Pane] = [:]
    var lateTotals: Pane = [:]
    var unattributed: [UInt64] = Array(repeating: 0, count: MalformedReason.count)
    /// Coverage: capacity closes, idle raises.
    var capCloses = 0, idleRaises = 0

    init(_ c: WindowConfiguration) {
        scenarioCount = c.scenarioCount; districtCount = c.districtCount
        lateness = c.allowedLatenessMs; idle = c.idleTimeoutMs; cap = c.maxOpenPanes
    }

    static func minute(_ t: Int64) -> Int64 { t >= 0 ? t / 60_000 : -((-t + 59_999) / 60_000) }

    mutating func raise(_ w: Int64) { watermark = max(watermark ?? w, w) }

    mutating func record(_ s: Int, _ d: Int, _ v: Verdict, _ t: Int64, _ bounded: Int64, _ wall: Int64) -> RecordOutcome {
        if s < 0 || s >= scenarioCount { unattributed[Int(MalformedReason.unknownScenario.rawValue)] += 1; return .unattributed(.unknownScenario) }
        if d < 0 || d >= districtCount { unattributed[Int(MalformedReason.unknownDistrict.rawValue)] += 1; return .unattributed(.unknownDistrict) }
        let m = Self.minute(t)
        let cell = Cell(s: s, d: d, v: v.rawValue)
        let outcome: RecordOutcome
        if let e = edge, m < e {
            pendingLate[m, default: [:]][cell, default: 0] += 1
            lateTotals[cell, default: 0] += 1
            outcome = .late(windowStartMs: m * 60_000)
        } else {
            open[m, default: [:]][cell, default: 0] += 1
            // Capacity rule: close the oldest open minutes early.
            while open.count > cap {
                let oldest = open.keys.min()!
                raise((oldest + 1) * 60_000)
                for p in close(through: oldest + 1) { addPendingOnTime(p) }
                capCloses += 1
            }
            outcome = .counted
        }
        if v.signatureVerified {
            raise(min(t, bounded) - lateness)
            idleSince = max(idleSince ?? wall, wall)
        }
        return outcome
    }

    mutating func addPendingOnTime(_ p: ClosedPane) {
        let m = p.windowStartMs / 60_000
        for c in p.counts { pendingOnTime[m, default: [:]][Cell(s: c.scenario, d: c.district, v: c.verdict.rawValue), default: 0] += c.count }
    }

    var watermarkMs: Int64? { watermark }

    mutating func close(through newEdge: Int64) -> [ClosedPane] {
        if let e = edge, newEdge <= e { return [] }
        var out: [ClosedPane] = []
        for m in open.keys.filter({ $0 < newEdge }).sorted() {
            let p = open.removeValue(forKey: m)!
            closed[m, default: [:]].merge(p, uniquingKeysWith: +)
            out.append(Self.pane(.onTime, m, p))
        }
        edge = newEdge
        // Minutes older than 25 h are in no view any more (keeps the model fast).
        for m in closed.keys where m < newEdge - 1_500 { closed[m] = nil }
        return out
    }

    static func pane(_ k: ClosedPane.Kind, _ m: Int64, _ p: Pane) -> ClosedPane {
        ClosedPane(kind: k, windowStartMs: m * 60_000, counts: p.filter { $0.value != 0 }.keys.sorted().map {
            PaneCount(scenario: $0.s, district: $0.d, verdict: Verdict(rawValue: $0.v)!, count: p[$0]!)
        })
    }

    mutating func drainPending() -> [ClosedPane] {
        defer { pendingLate = [:]; pendingOnTime = [:] }
        return pendingOnTime.keys.sorted().map { Self.pane(.onTime, $0, pendingOnTime[$0]!) }
            + pendingLate.keys.sorted().map { Self.pane(.late, $0, pendingLate[$0]!) }
    }

    mutating func advance(_ wall: Int64, caughtUp: Bool) -> [ClosedPane] {
        if idleSince == nil { idleSince = wall }
        if caughtUp, wall - idleSince! >= idle, (watermark ?? .min) < wall - lateness {
            raise(wall - lateness); idleRaises += 1
        }
        var out: [ClosedPane] = []
        if let w = watermark { out = close(through: Self.minute(w)) }
        return PartitionWindows.ordered(out + drainPending())
    }

    mutating func closeAll() -> [ClosedPane] {
        var out: [ClosedPane] = []
        if let last = open.keys.max() { out = close(through: last + 1) }
        return PartitionWindows.ordered(out + drainPending())
    }

    func view(_ v: RollingView) -> ViewCounts {
        var vc = ViewCounts(scenarioCount: scenarioCount, districtCount: districtCount)
        guard let e = edge else { return vc }
        var counts = vc.counts
        for (m, p) in closed {
            let inView: Bool
            if let n = v.minutes { inView = m >= e - Int64(n) && m < e }
            else {
                let h = m >= 0 ? m / 60 : -((-m + 59) / 60)
                let ceilHourE = e >= 0 ? (e + 59) / 60 : -((-e) / 60)
                inView = h >= ceilHourE - 24 && m < e
            }
            guard inView else { continue }
            for (c, n) in p { counts[((c.s * districtCount + c.d) << 3) | Int(c.v)] += n }
        }
        vc = ViewCounts(scenarioCount: scenarioCount, districtCount: districtCount, counts: counts)
        return vc
    }
}

extension PartitionWindows {
    /// Test shorthand: an event whose signed expiry does not bound it (bounded time = `scanned_at`).
    mutating func recordUnbounded(scenario: Int, district: Int, verdict: Verdict,
                                  eventTimeMs: Int64, wallClockMs: Int64) -> RecordOutcome {
        record(scenario: scenario, district: district, verdict: verdict, eventTimeMs: eventTimeMs,
               boundedTimeMs: eventTimeMs, wallClockMs: wallClockMs)
    }
}
