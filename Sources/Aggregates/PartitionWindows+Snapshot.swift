extension PartitionWindows {
    /// Snapshot format version written by ``snapshot()``.
    public static let snapshotVersion: UInt8 = 1

    /// The state as compact, canonical bytes (equal states give equal bytes):
    ///
    /// `version (1)`, varint scenarioCount, varint districtCount, flags byte
    /// (bit 0 watermark present, bit 1 view edge present), [zigzag anchor, zigzag last verified
    /// wall clock, zigzag watermark] (ms), [zigzag view edge minute], 14 varint unattributed
    /// counts, sparse late totals, then lists (varint length first) of: open panes (zigzag
    /// minute delta, sparse cells), closed minutes (varint `edge − 1 − minute` < 60, sparse),
    /// hour panes (varint `ceil(edge/60) − 1 − hour` < 24, sparse), pending on-time and pending
    /// late (zigzag minute delta, sparse). *Sparse* = varint non-zero count, then per cell varint
    /// (index − previous index − 1) and varint count. View totals are not stored: they are sums
    /// of the closed minute and hour panes and are recomputed on restore.
    /// The configuration's lateness and idle timeout are not stored.
    public func snapshot() -> [UInt8] { storage.snapshot() }

    /// Restores a state from ``snapshot()`` bytes into `configuration`, whose tables may be
    /// larger than the snapshot's (growth; indices keep their meaning).
    /// - Throws: ``SnapshotError`` for truncated or inconsistent bytes, an unknown version or
    ///   tables larger than the configuration's. Never traps on bad input.
    public init(snapshot bytes: [UInt8], configuration: WindowConfiguration) throws(SnapshotError) {
        let st = try WindowStorage.restore(bytes)
        guard st.scenarioCount <= configuration.scenarioCount, st.districtCount <= configuration.districtCount else {
            throw .tablesLargerThanConfiguration(scenarioCount: st.scenarioCount, districtCount: st.districtCount)
        }
        self.init(configuration: WindowConfiguration(scenarioCount: st.scenarioCount, districtCount: st.districtCount,
                                                     allowedLatenessMs: configuration.allowedLatenessMs,
                                                     idleTimeoutMs: configuration.idleTimeoutMs),
                  storage: st)
        grow(scenarioCount: configuration.scenarioCount, districtCount: configuration.districtCount)
    }
}

extension WindowStorage {
    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }

    func putSparse(_ p: UnsafeMutablePointer<UInt32>, _ out: inout [UInt8]) {
        var nnz = 0
        for i in 0..<cells where p[i] != 0 { nnz += 1 }
        Varint.put(UInt64(nnz), &out)
        var prev = -1
        for i in 0..<cells where p[i] != 0 {
            Varint.put(UInt64(i - prev - 1), &out); Varint.put(UInt64(p[i]), &out); prev = i
        }
    }

    func putSparse(_ m: [Int32: UInt32], _ out: inout [UInt8]) {
        let list = m.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        Varint.put(UInt64(list.count), &out)
        var prev = -1
        for (c, n) in list { Varint.put(UInt64(Int(c) - prev - 1), &out); Varint.put(UInt64(n), &out); prev = Int(c) }
    }

    func putMinuteMap(_ d: [Int64: [Int32: UInt32]], _ out: inout [UInt8]) {
        let keys = d.keys.filter { d[$0]!.values.contains { $0 != 0 } }.sorted()
        Varint.put(UInt64(keys.count), &out)
        var prev: Int64 = 0
        for m in keys { Varint.putSigned(m - prev, &out); prev = m; putSparse(d[m]!, &out) }
    }

    func snapshot() -> [UInt8] {
        var out: [UInt8] = [PartitionWindows.snapshotVersion]
        Varint.put(UInt64(scenarioCount), &out); Varint.put(UInt64(districtCount), &out)
        out.append((hasAnchor ? 1 : 0) | (hasEdge ? 2 : 0))
        if hasAnchor {
            // max(watermark, anchor): the same effective watermark, canonical.
            Varint.putSigned(anchor, &out); Varint.putSigned(lastVerifiedWall, &out)
            Varint.putSigned(max(watermark, anchor), &out)
        }
        if hasEdge { Varint.putSigned(edge, &out) }
        for r in unattributed { Varint.put(r, &out) }
        putSparse(lateTotals, &out)
        // Open panes, ring and overflow together, ascending minute.
        var open: [Int64: [Int32: UInt32]] = overflow
        for s in 0..<Self.openSlots where openTags[s] != Self.empty {
            var m: [Int32: UInt32] = [:]
            let p = openPane(s)
            for i in 0..<cells where p[i] != 0 { m[Int32(i)] = p[i] }
            open[openTags[s]] = m
        }
        putMinuteMap(open, &out)
        let closed = (0..<Self.closedSlots).filter { closedTags[$0] != Self.empty }
            .sorted { closedTags[$0] > closedTags[$1] }
        Varint.put(UInt64(closed.count), &out)
        for s in closed { Varint.put(UInt64(edge - 1 - closedTags[s]), &out); putSparse(closedPane(s), &out) }
        let hours = (0..<Self.hourSlots).filter { hourTags[$0] != Self.empty }
            .sorted { hourTags[$0] > hourTags[$1] }
        Varint.put(UInt64(hours.count), &out)
        let topHour = Self.ceilDiv(edge, 60) - 1
        for s in hours { Varint.put(UInt64(topHour - hourTags[s]), &out); putSparse(hourPane(s), &out) }
        putMinuteMap(pendingOnTime, &out)
        putMinuteMap(pendingLate, &out)
        return out
    }

    func readSparse(_ r: inout ByteReader, _ body: (Int, UInt32) throws(SnapshotError) -> Void) throws(SnapshotError) {
        let nnz = try r.bounded(cells + 1, "cell count")
        var prev = -1
        for _ in 0..<nnz {
            let gap = try r.bounded(cells, "cell index")
            let i = prev + 1 + gap
            guard i < cells else { throw .invalid("cell index") }
            let n = try r.varint()
            guard n > 0, n <= UInt64(UInt32.max) else { throw .invalid("cell count value") }
            try body(i, UInt32(n))
            prev = i
        }
    }

    func readMinuteMap(_ r: inout ByteReader, _ body: (Int64, Int, UInt32) throws(SnapshotError) -> Void) throws(SnapshotError) {
        let n = try r.bounded(r.bytes.count + 1, "pane count")
        var prev: Int64 = 0
        for k in 0..<n {
            let delta = try r.signed()
            guard delta > Self.minMinute * 2, delta < Self.maxMinute * 2 else { throw .invalid("minute") }
            let m = prev + delta
            guard m >= Self.minMinute, m <= Self.maxMinute, k == 0 || m > prev else { throw .invalid("minute") }
            prev = m
            try readSparse(&r) { (i, c) throws(SnapshotError) in try body(m, i, c) }
        }
    }

    static func restore(_ bytes: [UInt8]) throws(SnapshotError) -> WindowStorage {
        var r = ByteReader(bytes: bytes)
        let version = try r.byte()
        guard version == PartitionWindows.snapshotVersion else { throw .unsupportedVersion(version) }
        let sc = try r.bounded(65_536, "scenario count"), dc = try r.bounded(65_536, "district count")
        guard sc >= 1, dc >= 1 else { throw .invalid("table size") }
        let st = WindowStorage(scenarioCount: sc, districtCount: dc)
        let flags = try r.byte()
        guard flags & ~3 == 0 else { throw .invalid("flags") }
        let limit = Int64(1) << 60
        if flags & 1 != 0 {
            st.hasAnchor = true
            st.anchor = try r.signed(); st.lastVerifiedWall = try r.signed(); st.watermark = try r.signed()
            guard (-limit...limit).contains(st.anchor), (-limit...limit).contains(st.lastVerifiedWall),
                  (-limit...limit).contains(st.watermark)
            else { throw .invalid("watermark") }
        }
        if flags & 2 != 0 {
            st.hasEdge = true
            st.edge = try r.signed()
            guard st.edge >= minMinute, st.edge <= maxMinute + 1 else { throw .invalid("edge") }
        }
        for i in 0..<MalformedReason.count { st.unattributed[i] = try r.varint() }
        let late = st.lateTotals
        try st.readSparse(&r) { (i, n) throws(SnapshotError) in late[i] = n }
        try st.readMinuteMap(&r) { (m, i, n) throws(SnapshotError) in
            if st.hasEdge && m < st.edge { throw .invalid("open pane before edge") }
            st.addOpen(minute: m, cell: i, count: n)
        }
        let nClosed = try r.bounded(closedSlots + 1, "closed count")
        if nClosed > 0 && !st.hasEdge { throw .invalid("closed panes without edge") }
        for _ in 0..<nClosed {
            let m = st.edge - 1 - Int64(try r.bounded(closedSlots, "closed offset"))
            let s = floorMod(m, 60)
            guard st.closedTags[s] == empty else { throw .invalid("closed minute repeated") }
            st.closedTags[s] = m
            let p = st.closedPane(s)
            try st.readSparse(&r) { (i, n) throws(SnapshotError) in p[i] = n }
        }
        let nHours = try r.bounded(hourSlots + 1, "hour count")
        if nHours > 0 && !st.hasEdge { throw .invalid("hour panes without edge") }
        let topHour = ceilDiv(st.edge, 60) - 1
        for _ in 0..<nHours {
            let h = topHour - Int64(try r.bounded(hourSlots, "hour offset"))
            let s = floorMod(h, 24)
            guard st.hourTags[s] == empty else { throw .invalid("hour repeated") }
            st.hourTags[s] = h
            let p = st.hourPane(s)
            try st.readSparse(&r) { (i, n) throws(SnapshotError) in p[i] = n }
        }
        try st.readMinuteMap(&r) { (m, i, n) throws(SnapshotError) in st.pendingOnTime[m, default: [:]][Int32(i)] = n }
        try st.readMinuteMap(&r) { (m, i, n) throws(SnapshotError) in st.pendingLate[m, default: [:]][Int32(i)] = n }
        guard r.pos == bytes.count else { throw .invalid("trailing bytes") }
        st.recomputeTotals()
        return st
    }

    /// View totals from the closed minute and hour panes.
    func recomputeTotals() {
        total(0).update(repeating: 0, count: cells * Self.viewCount)
        guard hasEdge else { return }
        for (v, n) in [(0, Int64(1)), (1, 5), (2, 15), (3, 60)] {
            for s in 0..<Self.closedSlots where closedTags[s] != Self.empty && closedTags[s] >= edge - n {
                add(total(v), closedPane(s), cells)
            }
        }
        for s in 0..<Self.hourSlots where hourTags[s] != Self.empty { add(total(4), hourPane(s), cells) }
    }
}
