extension PartitionWindows {
    /// Grows the tables (reference data reloaded with appended rows): existing indices keep
    /// their meaning; new rows start at zero. Shrinking is ignored (tables only grow).
    /// - Complexity: O(cells) over all regions; not for the hot path.
    public mutating func grow(scenarioCount: Int, districtCount: Int) {
        var c = configuration
        c.scenarioCount = max(c.scenarioCount, scenarioCount)
        c.districtCount = max(c.districtCount, districtCount)
        let target = WindowConfiguration(scenarioCount: c.scenarioCount, districtCount: c.districtCount,
                                         allowedLatenessMs: c.allowedLatenessMs, idleTimeoutMs: c.idleTimeoutMs,
                                         maxOpenPanes: c.maxOpenPanes)
        guard target.scenarioCount != storage.scenarioCount || target.districtCount != storage.districtCount
        else { configuration = target; return }
        storage = storage.grown(scenarioCount: target.scenarioCount, districtCount: target.districtCount)
        configuration = target
    }

    /// Adds `other`'s state into this one (commutative and associative on counts, views and
    /// watermark; table sizes become the larger of the two).
    ///
    /// Rule: both states are first closed up to the larger view edge; panes that this closes
    /// (in either state) were not emitted yet and become *pending on-time* panes, emitted by
    /// the next ``advance(wallClockMs:caughtUp:)``/``closeAll()`` of the merged state. Then open panes,
    /// closed panes, hour panes, view totals, late counters, pending corrections and
    /// unattributed counters are added; the watermark and the idle-period start are the maxima.
    /// If the sum has more open minutes than `maxOpenPanes`, the capacity rule closes the oldest
    /// (pending on-time). Merging states fed disjoint events without closing (none closed early
    /// by the capacity rule) equals one state fed all of them.
    public mutating func merge(_ other: PartitionWindows) {
        var o = other
        let s = max(configuration.scenarioCount, o.configuration.scenarioCount)
        let d = max(configuration.districtCount, o.configuration.districtCount)
        grow(scenarioCount: s, districtCount: d)
        o.grow(scenarioCount: s, districtCount: d)
        makeUnique(); o.makeUnique()
        let a = storage, b = o.storage
        if a.hasEdge || b.hasEdge {
            let e = max(a.hasEdge ? a.edge : Int64.min, b.hasEdge ? b.edge : Int64.min)
            a.addPending(a.close(through: e))
            a.addPending(b.close(through: e))
        }
        a.absorb(b)
        a.enforceOpenCap(configuration.maxOpenPanes)
    }
}

extension WindowStorage {
    /// A copy with larger tables, every cell remapped.
    func grown(scenarioCount s: Int, districtCount d: Int) -> WindowStorage {
        let n = WindowStorage(scenarioCount: s, districtCount: d)
        for region in 0..<Self.regionCount {
            let src = counts + region * cells, dst = n.counts + region * n.cells
            for i in 0..<cells where src[i] != 0 { dst[remap(i, into: n)] = src[i] }
        }
        n.openTags.update(from: openTags, count: Self.openSlots)
        n.copyScalars(from: self)
        n.overflow = overflow.mapValues { dense in
            var r = [UInt32](repeating: 0, count: n.cells)
            for i in 0..<min(cells, dense.count) where dense[i] != 0 { r[remap(i, into: n)] = dense[i] }
            return r
        }
        n.pendingOnTime = pendingOnTime.mapValues { remapSparse($0, into: n) }
        n.pendingLate = pendingLate.mapValues { remapSparse($0, into: n) }
        return n
    }

    @inline(__always) func remap(_ i: Int, into n: WindowStorage) -> Int {
        let sd = i >> 3
        return (((sd / districtCount) * n.districtCount + sd % districtCount) << 3) | (i & 7)
    }

    func remapSparse(_ m: [Int32: UInt32], into n: WindowStorage) -> [Int32: UInt32] {
        var r: [Int32: UInt32] = [:]
        for (c, v) in m { r[Int32(remap(Int(c), into: n))] = v }
        return r
    }

    /// Records on-time panes as pending emissions.
    func addPending(_ panes: [ClosedPane]) {
        for p in panes {
            let m = p.windowStartMs / 60_000
            for c in p.counts {
                let cell = Int32(((c.scenario * districtCount + c.district) << 3) | Int(c.verdict.rawValue))
                pendingOnTime[m, default: [:]][cell, default: 0] &+= c.count
            }
        }
    }

    /// Adds `b` (same tables, same edge or both without edge) into self.
    func absorb(_ b: WindowStorage) {
        // Open panes.
        for slot in 0..<Self.openSlots where b.openTags[slot] != Self.empty {
            let m = b.openTags[slot], src = b.openPane(slot)
            if openTags[slot] == m {
                add(openPane(slot), src, cells)
            } else {
                for i in 0..<cells where src[i] != 0 { addOpen(minute: m, cell: i, count: src[i]) }
            }
        }
        for (m, dense) in b.overflow {
            for i in 0..<min(cells, dense.count) where dense[i] != 0 { addOpen(minute: m, cell: i, count: dense[i]) }
        }
        // Closed minutes, hours, totals, late: aligned because the edges are equal.
        let first = Self.openSlots * cells
        add(counts + first, b.counts + first, (Self.regionCount - Self.openSlots) * cells)
        for s in 0..<Self.closedSlots where b.closedTags[s] != Self.empty { closedTags[s] = b.closedTags[s] }
        for s in 0..<Self.hourSlots where b.hourTags[s] != Self.empty { hourTags[s] = b.hourTags[s] }
        if !hasEdge && b.hasEdge { hasEdge = true; edge = b.edge }
        for (dict, kp) in [(b.pendingOnTime, \WindowStorage.pendingOnTime), (b.pendingLate, \.pendingLate)] {
            for (m, sparse) in dict {
                for (c, n) in sparse { self[keyPath: kp][m, default: [:]][c, default: 0] &+= n }
            }
        }
        for r in 0..<MalformedReason.count { unattributed[r] &+= b.unattributed[r] }
        if b.watermark > watermark { watermark = b.watermark }
        if b.idleSince > idleSince { idleSince = b.idleSince }
    }
}
