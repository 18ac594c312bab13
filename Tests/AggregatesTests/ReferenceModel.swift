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
/// closed pane kept forever, views summed on demand. Written from the spec and the
/// PartitionWindows doc, independently of WindowStorage's rings.
struct ReferenceWindows {
    struct Cell: Hashable, Comparable {
        var s: Int, d: Int, v: UInt8
        static func < (a: Cell, b: Cell) -> Bool { (a.s, a.d, a.v) < (b.s, b.d, b.v) }
    }
    typealias Pane = [Cell: UInt32]

    var scenarioCount: Int, districtCount: Int
    let lateness: Int64, idle: Int64
    var anchor: Int64? = nil
    var lastWall: Int64 = 0
    var watermark: Int64 = 0
    var edge: Int64? = nil
    var open: [Int64: Pane] = [:]
    var closed: [Int64: Pane] = [:]
    var pendingLate: [Int64: Pane] = [:]
    var lateTotals: Pane = [:]
    var unattributed: [UInt64] = Array(repeating: 0, count: MalformedReason.count)

    init(_ c: WindowConfiguration) {
        scenarioCount = c.scenarioCount; districtCount = c.districtCount
        lateness = c.allowedLatenessMs; idle = c.idleTimeoutMs
    }

    static func minute(_ t: Int64) -> Int64 { t >= 0 ? t / 60_000 : -((-t + 59_999) / 60_000) }

    mutating func record(_ s: Int, _ d: Int, _ v: Verdict, _ t: Int64, _ wall: Int64) -> RecordOutcome {
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
            outcome = .counted
        }
        if v.signatureVerified {
            if let a = anchor {
                anchor = max(a + max(0, wall - lastWall - idle), t - lateness)
                lastWall = max(lastWall, wall)
            } else {
                anchor = t - lateness; watermark = t - lateness; lastWall = wall
            }
        }
        return outcome
    }

    var watermarkMs: Int64? { anchor.map { max($0, watermark) } }

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

    mutating func drainLate() -> [ClosedPane] {
        defer { pendingLate = [:] }
        return pendingLate.keys.sorted().map { Self.pane(.late, $0, pendingLate[$0]!) }
    }

    mutating func advance(_ wall: Int64) -> [ClosedPane] {
        var out: [ClosedPane] = []
        if let a = anchor {
            watermark = max(watermark, a + max(0, wall - lastWall - idle))
            let w = watermark
            out = close(through: Self.minute(w))
        }
        return PartitionWindows.ordered(out + drainLate())
    }

    mutating func closeAll() -> [ClosedPane] {
        var out: [ClosedPane] = []
        if let last = open.keys.max() { out = close(through: last + 1) }
        return PartitionWindows.ordered(out + drainLate())
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
