import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation

/// A synthetic ``LiveViewSource`` for demos, screenshots and tests: plausible,
/// deterministic counts for the 20 scenarios × 41 districts of the embedded
/// reference data, following a daily curve (Asia/Shanghai) and changing from
/// second to second. Nothing here is measured; the numbers are made up.
public struct DemoLiveViewSource: LiveViewSource {
    /// A scenario or district: id/code and names.
    struct Entry: Sendable {
        var id: String
        var nameZh: String
        var nameEn: String
        var weight: Double
    }

    let scenarios: [Entry]
    let districts: [Entry]
    let startedAtMs: Int64
    let now: @Sendable () -> Int64
    /// Mean citywide events per second at the daily peak.
    let peakEventsPerSecond: Double

    /// - Parameters:
    ///   - startedAtMs: the pretend start time, ms since the epoch.
    ///   - peakEventsPerSecond: citywide events/s at the daily peak.
    ///   - now: the wall clock, ms since the epoch (injectable for tests).
    public init(
        startedAtMs: Int64? = nil,
        peakEventsPerSecond: Double = 2400,
        now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        let t = now()
        self.now = now
        self.startedAtMs = startedAtMs ?? (t - 3 * 3_600_000 - 17 * 60_000)
        self.peakEventsPerSecond = peakEventsPerSecond
        let share: [String: Double] = [
            "transit": 30, "payment": 14, "community_access": 11, "hospital": 8, "service_hall": 5,
            "park_access": 5, "campus": 5, "pharmacy": 4, "bank": 3, "utilities": 3,
            "hotel_checkin": 2, "scenic_entry": 2, "internet_cafe": 1.5, "cultural_venue": 1.2,
            "tax": 1, "nontax_payment": 0.8, "traffic_fine": 0.7, "housing_fund": 0.7,
            "subsidy": 0.5, "agri_policy": 0.3,
        ]
        scenarios = Self.parseCSV(EmbeddedReferenceData.scenariosCSV).compactMap { r in
            guard r.count >= 4 else { return nil }
            return Entry(id: r[0], nameZh: r[2], nameEn: r[3], weight: share[r[0]] ?? 1)
        }
        districts = Self.parseCSV(EmbeddedReferenceData.districtsCSV).compactMap { r in
            guard r.count >= 5 else { return nil }
            // Central districts scan more per head (commuting, hospitals, services).
            let boost = r[3] == "central" ? 1.8 : 1.0
            return Entry(id: r[0], nameZh: r[1], nameEn: r[2], weight: (Double(r[4]) ?? 50) * boost)
        }
    }

    // MARK: LiveViewSource

    public func counts(view: ViewWindow, by: Grouping) async -> CountsResponse {
        let t = now()
        let sTotal = scenarios.reduce(0) { $0 + $1.weight }
        let dTotal = districts.reduce(0) { $0 + $1.weight }
        let seconds = Double(view.durationMs) / 1000
        let citywide = peakEventsPerSecond * Self.meanDaily(endMs: t, durationMs: view.durationMs) * seconds
        let minute = UInt64(max(0, t) / 60_000)

        // Relative cell weights (scenario share × district size × affinity × jitter),
        // scaled so that the cells add up to the citywide count.
        var weights: [[Double]] = []
        weights.reserveCapacity(scenarios.count)
        var weightSum = 0.0
        for (si, s) in scenarios.enumerated() {
            var row: [Double] = []
            row.reserveCapacity(districts.count)
            for (di, d) in districts.enumerated() {
                let affinity = Self.affinity(scenario: s.id, districtWeight: d.weight, index: di)
                let jitter = 0.85 + 0.3 * Self.noise(UInt64(si), UInt64(di), minute &+ UInt64(view.paneCount))
                let w = (s.weight / sTotal) * (d.weight / dTotal) * affinity * jitter
                row.append(w)
                weightSum += w
            }
            weights.append(row)
        }
        let cells: [[PerVerdict<UInt64>]] = weights.enumerated().map { si, row in
            row.enumerated().map { di, w in
                Self.split(citywide * w / max(weightSum, .leastNonzeroMagnitude), scenario: si, district: di)
            }
        }

        var rows: [CountsRow] = []
        switch by {
        case .scenario:
            for (si, s) in scenarios.enumerated() {
                var pv = PerVerdict<UInt64>()
                for c in cells[si] { pv += c }
                rows.append(CountsRow(scenario: s.id, nameZh: s.nameZh, nameEn: s.nameEn, byVerdict: pv,
                                      late: pv.total / 4000))
            }
        case .district:
            for (di, d) in districts.enumerated() {
                var pv = PerVerdict<UInt64>()
                for si in scenarios.indices { pv += cells[si][di] }
                rows.append(CountsRow(district: d.id, nameZh: d.nameZh, nameEn: d.nameEn, byVerdict: pv,
                                      late: pv.total / 4000))
            }
        case .cell:
            for (si, s) in scenarios.enumerated() {
                for (di, d) in districts.enumerated() where cells[si][di].total > 0 {
                    rows.append(CountsRow(scenario: s.id, district: d.id, byVerdict: cells[si][di]))
                }
            }
        }
        return CountsResponse(view: view, by: by, asOfMs: t - t % 60_000, rows: rows)
    }

    public func status() async -> StatusResponse {
        let t = now()
        let sec = UInt64(max(0, t) / 1000)
        func eps(atSecond s: UInt64) -> Double {
            let ms = Int64(s) * 1000
            // A slow swell (15 s knots, interpolated) plus a little per-second jitter.
            let k = s / 15, f = Double(s % 15) / 15
            let swell = Self.noise(k, 7, 11) * (1 - f) + Self.noise(k + 1, 7, 11) * f
            return peakEventsPerSecond * Self.daily(ms) * (0.88 + 0.2 * swell + 0.04 * Self.noise(s, 7, 13))
        }
        let history = (0..<120).map { eps(atSecond: sec - 119 + UInt64($0)) }
        let current = history.last ?? 0
        let uptimeS = Double(max(0, t - startedAtMs)) / 1000
        let total = UInt64(peakEventsPerSecond * Self.meanDaily(endMs: t, durationMs: max(1, t - startedAtMs)) * uptimeS)
        let shares = Self.verdictShares(scenario: 0, district: 0)
        let totals = PerVerdict<UInt64>(shares.map { UInt64(Double(total) * $0) })
        let perSecond = PerVerdict<Double>(shares.map { current * $0 })
        let partitions = (0..<6).map { p -> PartitionStatus in
            let position = Int64(Double(total) / 6) + Int64(p * 37)
            let lag = Int64(40 + 400 * Self.noise(sec, UInt64(p), 3))
            return PartitionStatus(
                topic: "ykm.scans", partition: Int32(p), committedOffset: position - Int64(50 + p * 3),
                position: position, lag: lag,
                watermarkMs: t - 120_000 - Int64(1500 * Self.noise(sec, UInt64(p), 5)))
        }
        return StatusResponse(
            startedAtMs: startedAtMs, nowMs: t, eventsTotal: totals.total,
            lateTotal: total / 4000, unattributedTotal: total / 20000,
            eventsPerSecond: current, verdictTotals: totals, verdictPerSecond: perSecond,
            eventsPerSecondHistory: history, partitions: partitions)
    }

    // MARK: Synthetic model

    /// Share of the daily peak at `ms` (Asia/Shanghai): low at night, peaks at
    /// the morning commute and in the evening. In (0.08, 1].
    static func daily(_ ms: Int64) -> Double {
        let h = Double((ms + 8 * 3_600_000) % 86_400_000) / 3_600_000
        func bump(_ c: Double, _ w: Double) -> Double { exp(-((h - c) * (h - c)) / (2 * w * w)) }
        return min(1, 0.08 + 0.75 * bump(8.3, 1.2) + 0.55 * bump(12.5, 2.2) + 0.8 * bump(18.2, 1.6))
    }

    /// The mean of ``daily(_:)`` over `[endMs − durationMs, endMs)`, sampled.
    static func meanDaily(endMs: Int64, durationMs: Int64) -> Double {
        let n = max(1, min(96, Int(durationMs / 60_000)))
        var sum = 0.0
        for i in 0..<n { sum += daily(endMs - durationMs * Int64(i) / Int64(n)) }
        return sum / Double(n)
    }

    /// How strongly a scenario concentrates in big (central) districts.
    static func affinity(scenario: String, districtWeight: Double, index: Int) -> Double {
        switch scenario {
        case "transit", "payment", "hospital": return 0.6 + districtWeight / 150
        case "agri_policy", "subsidy": return 1.6 - min(1.2, districtWeight / 200)
        case "scenic_entry": return [25, 32, 31, 10, 2].contains(index) ? 3 : 0.8
        default: return 1
        }
    }

    /// Verdict shares in `Verdict.rawValue` order; a couple of districts get
    /// more expired or invalid codes so the dashboard has something to show.
    static func verdictShares(scenario: Int, district: Int) -> [Double] {
        var s = [0.002, 0.001, 0.0006, 0.0012, 0.0008, 0.004, 0.007, 0.0]
        if district == 7 { s[5] = 0.045 }          // a terminal fleet with a slow clock
        if district == 29 { s[3] = 0.02 }         // a batch of forged codes
        if scenario == 3 { s[6] = 0.018 }          // transit gates retry
        s[7] = 1 - s.reduce(0, +)
        return s
    }

    static func split(_ expected: Double, scenario: Int, district: Int) -> PerVerdict<UInt64> {
        let shares = verdictShares(scenario: scenario, district: district)
        return PerVerdict(shares.map { UInt64(max(0, (expected * $0).rounded())) })
    }

    /// A deterministic pseudo-random value in [0, 1) (SplitMix64 over the inputs).
    static func noise(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> Double {
        var z = a &* 0x9E37_79B9_7F4A_7C15 &+ b &* 0xBF58_476D_1CE4_E5B9 &+ c &* 0x94D0_49BB_1331_11EB
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }

    /// Rows of a small RFC 4180 CSV (quoted fields, `""` escapes), header dropped.
    static func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var chars = text.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" {
                row.append(field); field = ""
                if row != [""] { rows.append(row) }
                row = []
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return Array(rows.dropFirst())
    }
}
