/// CSV output of closed panes for `streamproc replay --counts-out` (spec v1 §8 format of
/// `expected-counts.csv`).
public enum ReplayCounts {
    /// Header of ``csvLines(_:scenarioNames:districtNames:)``.
    public static let header = "window_start_ms,scenario,district,verdict,count"
    /// Header of ``lateCSVLines(_:scenarioNames:districtNames:)``.
    public static let lateHeader = "window_start_ms,scenario,district,verdict,late"

    /// Lines `window_start_ms,scenario,district,verdict,count` (no header) for every non-zero
    /// cell of the `onTime` panes (several panes of one window are summed), sorted by window start,
    /// then scenario name, district code, verdict name, each compared as UTF-8 bytes (as
    /// `expected-counts.csv` is, e.g. `duplicate < expired < … < valid`).
    /// Late counts are NOT included (the corpus has no late column): see ``lateCSVLines(_:scenarioNames:districtNames:)``.
    /// - Parameters:
    ///   - scenarioNames: scenario ids by index (`scenarios.csv` column `id`).
    ///   - districtNames: district codes by index (`districts.csv` column `code`).
    ///   An index without a name is written `#<index>`.
    public static func csvLines(_ panes: [ClosedPane], scenarioNames: [String], districtNames: [String]) -> [String] {
        lines(panes.filter { $0.kind == .onTime }, scenarioNames, districtNames)
    }

    /// Lines `window_start_ms,scenario,district,verdict,late` (no header) summing the `late`
    /// correction panes per window and cell, sorted as ``csvLines(_:scenarioNames:districtNames:)``.
    public static func lateCSVLines(_ panes: [ClosedPane], scenarioNames: [String], districtNames: [String]) -> [String] {
        lines(panes.filter { $0.kind == .late }, scenarioNames, districtNames)
    }

    private struct Key: Hashable { var w: Int64; var s: Int; var d: Int; var v: Verdict }

    private static func lines(_ panes: [ClosedPane], _ sn: [String], _ dn: [String]) -> [String] {
        var sums: [Key: UInt64] = [:]
        for p in panes {
            for c in p.counts {
                sums[Key(w: p.windowStartMs, s: c.scenario, d: c.district, v: c.verdict), default: 0] += UInt64(c.count)
            }
        }
        func name(_ t: [String], _ i: Int) -> String { i >= 0 && i < t.count ? t[i] : "#\(i)" }
        func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        let rows = sums.filter { $0.value != 0 }.map { (k, n) in
            (k.w, name(sn, k.s), name(dn, k.d), k.v.name, n)
        }
        let sorted = rows.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1 != b.1 { return less(a.1, b.1) }
            if a.2 != b.2 { return less(a.2, b.2) }
            return less(a.3, b.3)
        }
        return sorted.map { "\($0.0),\($0.1),\($0.2),\($0.3),\($0.4)" }
    }
}
