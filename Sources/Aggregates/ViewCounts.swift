/// The counts of one ``RollingView``: a dense copy of the running total,
/// `counts[(scenario × districtCount + district) × 8 + verdict.rawValue]`.
public struct ViewCounts: Sendable, Equatable {
    public private(set) var scenarioCount: Int
    public private(set) var districtCount: Int
    /// Flat counts, `scenarioCount × districtCount × 8` entries.
    public private(set) var counts: [UInt32]

    public init(scenarioCount: Int, districtCount: Int, counts: [UInt32]) {
        self.scenarioCount = scenarioCount
        self.districtCount = districtCount
        let n = scenarioCount * districtCount * Verdict.count
        self.counts = counts.count == n ? counts : Array((counts + Array(repeating: 0, count: n)).prefix(n))
    }

    /// An all-zero view of the given table sizes.
    public init(scenarioCount: Int, districtCount: Int) {
        self.init(scenarioCount: scenarioCount, districtCount: districtCount,
                  counts: Array(repeating: 0, count: scenarioCount * districtCount * Verdict.count))
    }

    /// Count of one cell; 0 for out-of-range indices.
    public func count(scenario: Int, district: Int, verdict: Verdict) -> UInt32 {
        guard scenario >= 0, scenario < scenarioCount, district >= 0, district < districtCount else { return 0 }
        return counts[((scenario * districtCount + district) << 3) | Int(verdict.rawValue)]
    }

    /// Sum over verdicts of one (scenario, district); 0 for out-of-range indices.
    public func total(scenario: Int, district: Int) -> UInt64 {
        var s: UInt64 = 0
        for v in Verdict.allCases { s += UInt64(count(scenario: scenario, district: district, verdict: v)) }
        return s
    }

    /// Sum of all cells.
    public var grandTotal: UInt64 { counts.reduce(0) { $0 + UInt64($1) } }

    /// Adds another view cell by cell; the result has the larger table sizes of the two
    /// (smaller tables are a prefix of larger ones: rows are only appended).
    public mutating func add(_ other: ViewCounts) {
        let s = max(scenarioCount, other.scenarioCount), d = max(districtCount, other.districtCount)
        if s != scenarioCount || d != districtCount {
            var grown = ViewCounts(scenarioCount: s, districtCount: d)
            grown.addSameOrSmaller(self)
            self = grown
        }
        addSameOrSmaller(other)
    }

    private mutating func addSameOrSmaller(_ o: ViewCounts) {
        if o.districtCount == districtCount && o.scenarioCount == scenarioCount {
            for i in counts.indices { counts[i] &+= o.counts[i] }
            return
        }
        for sc in 0..<o.scenarioCount {
            for di in 0..<o.districtCount {
                let src = (sc * o.districtCount + di) << 3, dst = (sc * districtCount + di) << 3
                for v in 0..<8 { counts[dst + v] &+= o.counts[src + v] }
            }
        }
    }

    /// The merged view across partitions (dashboard): the sum of each partition's view, each
    /// relative to its own watermark.
    public static func merged(_ view: RollingView, of partitions: [PartitionWindows]) -> ViewCounts {
        var acc = ViewCounts(scenarioCount: 1, districtCount: 1)
        var first = true
        for p in partitions {
            if first { acc = p.view(view); first = false } else { acc.add(p.view(view)) }
        }
        return acc
    }
}
