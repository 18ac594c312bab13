/// The storage of one partition's windows (internal; see ``PartitionWindows``).
///
/// One allocation of `UInt32` counters, `C = scenarioCount × districtCount × 8` per region:
///
/// | regions | what |
/// |---|---|
/// | `openSlots` (16) | open minute panes, ring indexed by `minute & 15`, tagged by `openTags` |
/// | `closedSlots` (60) | closed minute panes `[E − 60, E)`, ring indexed by `minute mod 60` |
/// | `hourSlots` (24) | hour panes (sums of closed minutes) `[ceilHour(E) − 24 h, E)`, ring by `hour mod 24` |
/// | 5 totals | running totals of the five ``RollingView``s |
/// | 1 late | lifetime late counters per cell |
///
/// Open panes that do not fit the ring (another open minute holds the slot) live in `overflow`,
/// dense panes allocated on demand; a minute is in exactly one of ring or overflow. Open minutes
/// (ring + overflow) never exceed `maxOpenPanes` after a `record` or `merge` returns (the oldest
/// are closed early, see ``PartitionWindows``), so overflow holds at most `maxOpenPanes − 1` panes.
@usableFromInline
final class WindowStorage: @unchecked Sendable {
    // Sendable: only ever mutated through PartitionWindows, which copies on write.

    @usableFromInline static let openSlots = 16
    static let closedSlots = 60
    static let hourSlots = 24
    static let viewCount = 5
    static let regionCount = openSlots + closedSlots + hourSlots + viewCount + 1
    @usableFromInline static let empty = Int64.min
    /// Minutes representable: event times within ±2^53 ms (spec §2).
    @usableFromInline static let minMinute = -((Int64(1) << 53) / 60_000) - 1
    @usableFromInline static let maxMinute = (Int64(1) << 53) / 60_000
    /// Times (event, bounded, wall clock) are clamped to ±2^53 ms before any arithmetic.
    @usableFromInline static let timeLimit = Int64(1) << 53

    @usableFromInline let scenarioCount: Int
    @usableFromInline let districtCount: Int
    @usableFromInline let cells: Int
    @usableFromInline let counts: UnsafeMutablePointer<UInt32>
    @usableFromInline let openTags: UnsafeMutablePointer<Int64>

    var closedTags: [Int64]
    var hourTags: [Int64]
    /// Open panes beyond the ring: minute → dense counters (`cells` entries).
    var overflow: [Int64: [UInt32]] = [:]
    var pendingOnTime: [Int64: [Int32: UInt32]] = [:]
    var pendingLate: [Int64: [Int32: UInt32]] = [:]
    var unattributed: [UInt64]

    // Watermark state (spec §7; rule in PartitionWindows). The hot-path scalars live in raw
    // memory (`hot`): class stored `var`s would cost a dynamic exclusivity check per access
    // from other modules.
    @usableFromInline let hot: UnsafeMutablePointer<Int64>
    /// The watermark (ms, monotonic); `empty` (Int64.min) while there is none.
    @usableFromInline var watermark: Int64 {
        @inline(__always) get { hot[0] }
        @inline(__always) set { hot[0] = newValue }
    }
    /// Start of the current idle period (ms of wall clock): the latest wall clock of a verified
    /// event, or the first ``PartitionWindows/advance(wallClockMs:caughtUp:)`` before any;
    /// `empty` before either.
    @usableFromInline var idleSince: Int64 {
        @inline(__always) get { hot[1] }
        @inline(__always) set { hot[1] = newValue }
    }
    @usableFromInline var hasWatermark: Bool { @inline(__always) get { watermark != Self.empty } }
    /// View edge E (minute index, exclusive): every minute < E is closed.
    var hasEdge = false
    var edge: Int64 = 0

    init(scenarioCount: Int, districtCount: Int) {
        self.scenarioCount = scenarioCount
        self.districtCount = districtCount
        self.cells = scenarioCount * districtCount * Verdict.count
        let n = cells * Self.regionCount
        counts = .allocate(capacity: n)
        counts.initialize(repeating: 0, count: n)
        hot = .allocate(capacity: 2)
        hot.initialize(repeating: Self.empty, count: 2)
        openTags = .allocate(capacity: Self.openSlots)
        openTags.initialize(repeating: Self.empty, count: Self.openSlots)
        closedTags = Array(repeating: Self.empty, count: Self.closedSlots)
        hourTags = Array(repeating: Self.empty, count: Self.hourSlots)
        unattributed = Array(repeating: 0, count: MalformedReason.count)
    }

    deinit {
        counts.deallocate()
        openTags.deallocate()
        hot.deallocate()
    }

    /// Bytes of the fixed regions, tags and scalars.
    var fixedBytes: Int {
        cells * Self.regionCount * 4 + Self.openSlots * 8
            + (Self.closedSlots + Self.hourSlots) * 8 + MalformedReason.count * 8 + 2 * 8
    }

    /// Bytes allocated: fixed regions, overflow panes (exact), and an estimate of the pending
    /// correction dictionaries (buckets of 4 + 4 bytes at load ≤ 3/4, plus 64 bytes per table).
    var allocatedBytes: Int {
        var pending = 0
        for d in [pendingOnTime, pendingLate] {
            pending += Self.dictBytes(d.capacity, 8 + 8)
            for (_, inner) in d { pending += Self.dictBytes(inner.capacity, 8) }
        }
        return fixedBytes + overflow.count * (cells * 4 + 32) + Self.dictBytes(overflow.capacity, 16) + pending
    }

    static func dictBytes(_ capacity: Int, _ entry: Int) -> Int {
        capacity == 0 ? 0 : 64 + (capacity * 4 / 3 + 1) * entry
    }

    @usableFromInline func copy() -> WindowStorage {
        let c = WindowStorage(scenarioCount: scenarioCount, districtCount: districtCount)
        c.counts.update(from: counts, count: cells * Self.regionCount)
        c.openTags.update(from: openTags, count: Self.openSlots)
        c.copyScalars(from: self)
        c.overflow = overflow
        return c
    }

    /// Copies everything but the counter regions, open tags and overflow.
    func copyScalars(from o: WindowStorage) {
        closedTags = o.closedTags; hourTags = o.hourTags
        pendingOnTime = o.pendingOnTime; pendingLate = o.pendingLate
        unattributed = o.unattributed
        watermark = o.watermark; idleSince = o.idleSince
        hasEdge = o.hasEdge; edge = o.edge
    }

    // MARK: regions

    @inline(__always) func openPane(_ slot: Int) -> UnsafeMutablePointer<UInt32> { counts + slot * cells }
    @inline(__always) func closedPane(_ slot: Int) -> UnsafeMutablePointer<UInt32> {
        counts + (Self.openSlots + slot) * cells
    }
    @inline(__always) func hourPane(_ slot: Int) -> UnsafeMutablePointer<UInt32> {
        counts + (Self.openSlots + Self.closedSlots + slot) * cells
    }
    @inline(__always) func total(_ view: Int) -> UnsafeMutablePointer<UInt32> {
        counts + (Self.openSlots + Self.closedSlots + Self.hourSlots + view) * cells
    }
    @inline(__always) var lateTotals: UnsafeMutablePointer<UInt32> {
        counts + (Self.regionCount - 1) * cells
    }

    @inlinable @inline(__always) static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b < 0) ? q - 1 : q
    }
    @inline(__always) static func floorMod(_ a: Int64, _ b: Int64) -> Int {
        let r = a % b
        return Int(r < 0 ? r + b : r)
    }

    // MARK: hot path

    /// Counts one event (see ``PartitionWindows/record(scenario:district:verdict:eventTimeMs:boundedTimeMs:wallClockMs:)``).
    @inlinable @inline(__always)
    func record(scenario: Int, district: Int, verdict: Verdict, eventTimeMs t: Int64, boundedTimeMs b: Int64,
                wallClockMs wall: Int64, lateness: Int64, maxOpen: Int) -> RecordOutcome {
        let minute = Self.floorDiv(t, 60_000)
        let slot = Int(truncatingIfNeeded: minute) & (Self.openSlots - 1)
        if openTags[slot] == minute,
           UInt(bitPattern: scenario) < UInt(bitPattern: scenarioCount),
           UInt(bitPattern: district) < UInt(bitPattern: districtCount) {
            let i = slot &* cells &+ ((scenario &* districtCount &+ district) << 3) &+ Int(verdict.rawValue)
            counts[i] &+= 1
            if verdict.rawValue >= 4 { noteVerified(min(t, b), wall: wall, lateness: lateness) }
            return .counted
        }
        return recordSlow(scenario: scenario, district: district, verdict: verdict, minute: minute,
                          eventTimeMs: t, boundedTimeMs: b, wallClockMs: wall, lateness: lateness, maxOpen: maxOpen)
    }

    /// Watermark bookkeeping for a signature-verified event (spec §7 revised): the watermark is
    /// at least bounded time − lateness, and the idle period restarts at `wall`.
    @inlinable @inline(__always)
    func noteVerified(_ bounded: Int64, wall: Int64, lateness: Int64) {
        let candidate = max(bounded, -9_007_199_254_740_992) &- lateness   // −2^53 (timeLimit), a literal for the hot path
        if candidate > hot[0] { hot[0] = candidate }
        if wall > hot[1] { hot[1] = wall }
    }

    @usableFromInline func recordSlow(scenario: Int, district: Int, verdict: Verdict, minute: Int64,
                                      eventTimeMs t: Int64, boundedTimeMs b: Int64, wallClockMs wall: Int64,
                                      lateness: Int64, maxOpen: Int) -> RecordOutcome {
        guard scenario >= 0, scenario < scenarioCount else {
            unattributed[Int(MalformedReason.unknownScenario.rawValue)] &+= 1
            return .unattributed(.unknownScenario)
        }
        guard district >= 0, district < districtCount else {
            unattributed[Int(MalformedReason.unknownDistrict.rawValue)] &+= 1
            return .unattributed(.unknownDistrict)
        }
        guard minute >= Self.minMinute, minute <= Self.maxMinute else {
            unattributed[Int(MalformedReason.badValue.rawValue)] &+= 1
            return .unattributed(.badValue)
        }
        let cell = Int32((scenario * districtCount + district) << 3) | Int32(verdict.rawValue)
        let outcome: RecordOutcome
        if hasEdge && minute < edge {
            pendingLate[minute, default: [:]][cell, default: 0] &+= 1
            lateTotals[Int(cell)] &+= 1
            outcome = .late(windowStartMs: minute * 60_000)
        } else {
            if addOpen(minute: minute, cell: Int(cell), count: 1) { enforceOpenCap(maxOpen) }
            outcome = .counted
        }
        if verdict.rawValue >= 4 { noteVerified(min(t, b), wall: wall, lateness: lateness) }
        return outcome
    }

    /// Number of open minutes (ring and overflow).
    var openCount: Int {
        var n = overflow.count
        for s in 0..<Self.openSlots where openTags[s] != Self.empty { n += 1 }
        return n
    }

    /// Bounded memory: while more than `maxOpen` minutes are open, raises the watermark to the
    /// end of the oldest open minute and closes it; the closed panes become pending on-time
    /// panes, emitted by the next advance/closeAll.
    func enforceOpenCap(_ maxOpen: Int) {
        while openCount > maxOpen {
            guard let oldest = openMinutes().first else { return }
            let end = (oldest + 1) * 60_000
            if end > watermark { watermark = end }
            addPending(close(through: oldest + 1))
        }
    }

    /// Adds to an open pane (ring if possible, else overflow). `minute` must be ≥ edge.
    /// Returns whether this opened a new minute.
    @discardableResult
    func addOpen(minute: Int64, cell: Int, count: UInt32) -> Bool {
        let slot = Int(truncatingIfNeeded: minute) & (Self.openSlots - 1)
        if openTags[slot] == minute {
            openPane(slot)[cell] &+= count
            return false
        } else if openTags[slot] == Self.empty && overflow[minute] == nil {
            openTags[slot] = minute
            openPane(slot)[cell] &+= count
            return true
        } else {
            let opened = overflow[minute] == nil
            overflow[minute, default: Array(repeating: 0, count: cells)][cell] &+= count
            return opened
        }
    }

    // MARK: watermark and closing

    /// The idle rule (spec §7 revised) at wall clock `wall`: starts the idle clock if it is not
    /// running; when `caughtUp` and no verified event for `idle` ms, the watermark becomes at
    /// least `wall − lateness`.
    func applyIdle(wall: Int64, caughtUp: Bool, lateness: Int64, idle: Int64) {
        let w = min(max(wall, -Self.timeLimit), Self.timeLimit)
        if idleSince == Self.empty { idleSince = w }
        let since = min(max(idleSince, -Self.timeLimit), Self.timeLimit)
        if caughtUp && w - since >= idle {
            let c = w - lateness
            if c > watermark { watermark = c }
        }
    }

    /// Minutes of open panes (ring and overflow), ascending.
    func openMinutes() -> [Int64] {
        var mins: [Int64] = []
        for s in 0..<Self.openSlots where openTags[s] != Self.empty { mins.append(openTags[s]) }
        mins.append(contentsOf: overflow.keys)
        mins.sort()
        return mins
    }

    /// Closes every open pane with minute < `newEdge` in ascending order, rolling the views;
    /// returns the on-time panes. Afterwards edge = max(edge, newEdge).
    func close(through newEdge: Int64) -> [ClosedPane] {
        if hasEdge && newEdge <= edge { return [] }
        let mins = openMinutes().filter { $0 < newEdge }
        if !hasEdge {
            hasEdge = true
            edge = min(mins.first ?? newEdge, newEdge)
        }
        var out: [ClosedPane] = []
        out.reserveCapacity(mins.count)
        for m in mins {
            roll(to: m)
            step(minute: m, withOpenPane: true)
            out.append(emit(minute: m))
        }
        roll(to: newEdge)
        migrateOverflow()
        return out
    }

    /// Moves overflow minutes into free ring slots (smallest minute first).
    func migrateOverflow() {
        guard !overflow.isEmpty else { return }
        for m in overflow.keys.sorted() {
            let slot = Int(truncatingIfNeeded: m) & (Self.openSlots - 1)
            guard openTags[slot] == Self.empty, let dense = overflow.removeValue(forKey: m) else { continue }
            openTags[slot] = m
            addDense(openPane(slot), dense)
        }
    }

    /// `d[i] += dense[i]` for every cell.
    func addDense(_ d: UnsafeMutablePointer<UInt32>, _ dense: [UInt32]) {
        dense.withUnsafeBufferPointer { src in
            for i in 0..<min(cells, src.count) { d[i] &+= src[i] }
        }
    }

    /// Calls `body` with the counters of open minute `m` (ring or overflow), if open.
    func withOpenPane<R>(_ m: Int64, _ body: (UnsafePointer<UInt32>) -> R) -> R? {
        let slot = Int(truncatingIfNeeded: m) & (Self.openSlots - 1)
        if openTags[slot] == m { return body(openPane(slot)) }
        guard let dense = overflow[m] else { return nil }
        return dense.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// Advances the edge to `target` through empty minutes (expiring old panes).
    func roll(to target: Int64) {
        guard hasEdge, target > edge else { return }
        if target - edge >= 25 * 60 {
            clearClosed()
            edge = target
            return
        }
        while edge < target { step(minute: edge, withOpenPane: false) }
    }

    /// Zeroes closed minutes, hours and view totals (everything expired).
    func clearClosed() {
        for s in 0..<Self.closedSlots where closedTags[s] != Self.empty {
            closedPane(s).update(repeating: 0, count: cells); closedTags[s] = Self.empty
        }
        for s in 0..<Self.hourSlots where hourTags[s] != Self.empty {
            hourPane(s).update(repeating: 0, count: cells); hourTags[s] = Self.empty
        }
        total(0).update(repeating: 0, count: cells * Self.viewCount)
    }

    /// Makes minute `m` (== edge) the newest closed minute: expires what leaves each view,
    /// then (if `withOpenPane`) moves the open pane of `m` into the closed ring and totals.
    func step(minute m: Int64, withOpenPane: Bool) {
        let c = cells
        // 1. Expire minute m − n from the n-minute views.
        for (v, n) in [(0, Int64(1)), (1, 5), (2, 15), (3, 60)] {
            let old = m - n
            let s = Self.floorMod(old, 60)
            if closedTags[s] == old { sub(total(v), closedPane(s), c) }
        }
        // 2. Free the closed slot of m (it held m − 60, just expired from the 1 h view).
        let cs = Self.floorMod(m, 60)
        if closedTags[cs] != Self.empty {
            closedPane(cs).update(repeating: 0, count: c); closedTags[cs] = Self.empty
        }
        // 3. At an hour boundary, hour h − 24 leaves the 24 h view.
        let h = Self.floorDiv(m, 60)
        let hs = Self.floorMod(h, 24)
        if Self.floorMod(m, 60) == 0 && hourTags[hs] != Self.empty {
            sub(total(4), hourPane(hs), c)
            hourPane(hs).update(repeating: 0, count: c); hourTags[hs] = Self.empty
        }
        // 4. Bring in the pane of m.
        if withOpenPane {
            let dst = closedPane(cs)
            let slot = Int(truncatingIfNeeded: m) & (Self.openSlots - 1)
            if openTags[slot] == m {
                dst.update(from: openPane(slot), count: c)
                openPane(slot).update(repeating: 0, count: c)
                openTags[slot] = Self.empty
            }
            if let dense = overflow.removeValue(forKey: m) { addDense(dst, dense) }
            closedTags[cs] = m
            for v in 0..<4 { add(total(v), dst, c) }
            add(hourPane(hs), dst, c); hourTags[hs] = h
            add(total(4), dst, c)
        }
        edge = m + 1
    }

    @inline(__always) func add(_ d: UnsafeMutablePointer<UInt32>, _ s: UnsafeMutablePointer<UInt32>, _ n: Int) {
        for i in 0..<n { d[i] &+= s[i] }
    }
    @inline(__always) func sub(_ d: UnsafeMutablePointer<UInt32>, _ s: UnsafeMutablePointer<UInt32>, _ n: Int) {
        for i in 0..<n { d[i] &-= s[i] }
    }

    /// The non-zero cells of a dense pane, ascending.
    func paneCounts(_ p: UnsafeMutablePointer<UInt32>) -> [PaneCount] {
        var out: [PaneCount] = []
        for i in 0..<cells where p[i] != 0 { out.append(paneCount(cell: i, count: p[i])) }
        return out
    }

    @inline(__always) func paneCount(cell i: Int, count: UInt32) -> PaneCount {
        let sd = i >> 3
        return PaneCount(scenario: sd / districtCount, district: sd % districtCount,
                         verdict: Verdict(rawValue: UInt8(i & 7)) ?? .malformed, count: count)
    }

    func emit(minute m: Int64) -> ClosedPane {
        ClosedPane(kind: .onTime, windowStartMs: m * 60_000, counts: paneCounts(closedPane(Self.floorMod(m, 60))))
    }

    /// Pending on-time (from merges) and late corrections, as panes; clears them.
    func drainPending() -> [ClosedPane] {
        var out: [ClosedPane] = []
        for (kind, dict) in [(ClosedPane.Kind.onTime, pendingOnTime), (.late, pendingLate)] {
            for (m, sparse) in dict {
                let list = sparse.filter { $0.value != 0 }.sorted { $0.key < $1.key }
                    .map { paneCount(cell: Int($0.key), count: $0.value) }
                if !list.isEmpty { out.append(ClosedPane(kind: kind, windowStartMs: m * 60_000, counts: list)) }
            }
        }
        pendingOnTime = [:]; pendingLate = [:]
        return out
    }

    /// Closes every open pane regardless of the watermark.
    func closeAll() -> [ClosedPane] {
        guard let last = openMinutes().last else { return [] }
        return close(through: last + 1)
    }
}
