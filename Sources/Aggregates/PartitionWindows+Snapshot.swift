extension PartitionWindows {
    /// Format version (first byte) written by ``snapshot()``. Version 1 (before the revised
    /// spec §7 watermark state) is no longer read.
    public static let snapshotVersion: UInt8 = 2

    /// The whole state as compact, canonical bytes (equal states give equal bytes):
    ///
    /// `version (2)`, the *open-state body* (see ``openStateSnapshot()``), then lists (varint
    /// length first) of closed minutes (varint `edge − 1 − minute` < 60, pane) and hour panes
    /// (varint `ceil(edge/60) − 1 − hour` < 24, pane). View totals are not stored: they are sums
    /// of the closed minute and hour panes and are recomputed on restore.
    /// The configuration (lateness, idle timeout, cap) is not stored.
    public func snapshot() -> [UInt8] {
        var out: [UInt8] = [Self.snapshotVersion]
        storage.putOpenBody(&out)
        storage.putClosed(&out)
        return out
    }

    /// Restores a state from ``snapshot()`` bytes into `configuration`, whose tables may be
    /// larger than the snapshot's (growth; indices keep their meaning).
    /// - Throws: ``SnapshotError`` for truncated or inconsistent bytes, an unknown version or
    ///   tables larger than the configuration's. Never traps on bad input.
    public init(snapshot bytes: [UInt8], configuration: WindowConfiguration) throws(SnapshotError) {
        var r = ByteReader(bytes: bytes)
        let version = try r.byte()
        guard version == Self.snapshotVersion else { throw .unsupportedVersion(version) }
        let st = try WindowStorage.readOpenBody(&r)
        try st.readClosed(&r)
        guard r.pos == bytes.count else { throw .invalid("trailing bytes") }
        st.recomputeTotals()
        try self.init(restored: st, configuration: configuration)
        storage.enforceOpenCap(configuration.maxOpenPanes)
    }

    /// Wraps restored storage and grows it to `configuration`'s tables (the caller then applies
    /// the configuration's open-pane cap).
    init(restored st: WindowStorage, configuration: WindowConfiguration) throws(SnapshotError) {
        guard st.scenarioCount <= configuration.scenarioCount, st.districtCount <= configuration.districtCount else {
            throw .tablesLargerThanConfiguration(scenarioCount: st.scenarioCount, districtCount: st.districtCount)
        }
        var c = configuration
        c.scenarioCount = st.scenarioCount; c.districtCount = st.districtCount
        self.init(configuration: c, storage: st)
        grow(scenarioCount: configuration.scenarioCount, districtCount: configuration.districtCount)
    }
}

extension WindowStorage {
    static func ceilDiv(_ a: Int64, _ b: Int64) -> Int64 { -floorDiv(-a, b) }

    /// Varint length of `v`.
    @inline(__always) static func varintSize(_ v: UInt64) -> Int {
        v == 0 ? 1 : (70 - v.leadingZeroBitCount) / 7
    }

    /// A dense pane: byte 0 then sparse (varint non-zero count, then per cell varint
    /// (index − previous index − 1) and varint count), or byte 1 then one varint per cell,
    /// whichever is shorter (sparse on a tie).
    func putPane(_ p: UnsafePointer<UInt32>, _ out: inout [UInt8]) {
        var nnz = 0, sparse = 0, dense = 0, prev = -1
        for i in 0..<cells {
            let v = UInt64(p[i])
            dense += Self.varintSize(v)
            if v != 0 { nnz += 1; sparse += Self.varintSize(UInt64(i - prev - 1)) + Self.varintSize(v); prev = i }
        }
        sparse += Self.varintSize(UInt64(nnz))
        if dense < sparse {
            out.append(1)
            for i in 0..<cells { Varint.put(UInt64(p[i]), &out) }
            return
        }
        out.append(0)
        Varint.put(UInt64(nnz), &out)
        prev = -1
        for i in 0..<cells where p[i] != 0 {
            Varint.put(UInt64(i - prev - 1), &out); Varint.put(UInt64(p[i]), &out); prev = i
        }
    }

    func readPane(_ r: inout ByteReader, _ body: (Int, UInt32) throws(SnapshotError) -> Void) throws(SnapshotError) {
        switch try r.byte() {
        case 0: try readSparse(&r, body)
        case 1:
            for i in 0..<cells {
                let n = try r.varint()
                guard n <= UInt64(UInt32.max) else { throw .invalid("cell count value") }
                if n != 0 { try body(i, UInt32(n)) }
            }
        default: throw .invalid("pane encoding")
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

    /// The open-state body: varint scenarioCount, varint districtCount, flags byte (bit 0
    /// watermark, bit 1 view edge, bit 2 idle-period start), [zigzag watermark ms], [zigzag view
    /// edge minute], [zigzag idle-period start ms], 14 varint unattributed counts, late totals
    /// (pane), open panes (varint count, then per pane zigzag minute delta and pane), pending
    /// on-time and pending late (varint count, then per minute zigzag delta and sparse cells).
    func putOpenBody(_ out: inout [UInt8]) {
        Varint.put(UInt64(scenarioCount), &out); Varint.put(UInt64(districtCount), &out)
        let hasIdle = idleSince != Self.empty
        out.append((hasWatermark ? 1 : 0) | (hasEdge ? 2 : 0) | (hasIdle ? 4 : 0))
        if hasWatermark { Varint.putSigned(watermark, &out) }
        if hasEdge { Varint.putSigned(edge, &out) }
        if hasIdle { Varint.putSigned(idleSince, &out) }
        for r in unattributed { Varint.put(r, &out) }
        putPane(lateTotals, &out)
        let mins = openMinutes()
        Varint.put(UInt64(mins.count), &out)
        var prev: Int64 = 0
        for m in mins {
            Varint.putSigned(m - prev, &out); prev = m
            _ = withOpenPane(m) { putPane($0, &out) }
        }
        putMinuteMap(pendingOnTime, &out)
        putMinuteMap(pendingLate, &out)
    }

    /// Closed minutes and hour panes (``PartitionWindows/snapshot()``).
    func putClosed(_ out: inout [UInt8]) {
        let closed = (0..<Self.closedSlots).filter { closedTags[$0] != Self.empty }
            .sorted { closedTags[$0] > closedTags[$1] }
        Varint.put(UInt64(closed.count), &out)
        for s in closed { Varint.put(UInt64(edge - 1 - closedTags[s]), &out); putPane(closedPane(s), &out) }
        let hours = (0..<Self.hourSlots).filter { hourTags[$0] != Self.empty }
            .sorted { hourTags[$0] > hourTags[$1] }
        Varint.put(UInt64(hours.count), &out)
        let topHour = Self.ceilDiv(edge, 60) - 1
        for s in hours { Varint.put(UInt64(topHour - hourTags[s]), &out); putPane(hourPane(s), &out) }
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

    /// Reads a varint count, then per entry a zigzag minute delta (strictly ascending minutes
    /// within ±2^53 ms) and calls `entry(minute)` to read the entry's payload.
    func readMinutes(_ r: inout ByteReader, limit: Int, _ entry: (Int64, inout ByteReader) throws(SnapshotError) -> Void) throws(SnapshotError) {
        let n = try r.bounded(limit, "pane count")
        var prev: Int64 = 0
        for k in 0..<n {
            let delta = try r.signed()
            guard delta > Self.minMinute * 2, delta < Self.maxMinute * 2 else { throw .invalid("minute") }
            let m = prev + delta
            guard m >= Self.minMinute, m <= Self.maxMinute, k == 0 || m > prev else { throw .invalid("minute") }
            prev = m
            try entry(m, &r)
        }
    }

    /// Reads an open-state body into new storage (view totals not computed).
    static func readOpenBody(_ r: inout ByteReader) throws(SnapshotError) -> WindowStorage {
        let sc = try r.bounded(65_536, "scenario count"), dc = try r.bounded(65_536, "district count")
        guard sc >= 1, dc >= 1 else { throw .invalid("table size") }
        // A snapshot can only be as large as its bytes: sparse panes need ≥ 1 byte per table row.
        let st = WindowStorage(scenarioCount: sc, districtCount: dc)
        let flags = try r.byte()
        guard flags & ~7 == 0 else { throw .invalid("flags") }
        if flags & 1 != 0 {
            st.watermark = try r.signed()
            guard st.watermark != empty, abs(st.watermark) <= 2 * timeLimit else { throw .invalid("watermark") }
        }
        if flags & 2 != 0 {
            st.hasEdge = true
            st.edge = try r.signed()
            guard st.edge >= minMinute, st.edge <= maxMinute + 1 else { throw .invalid("edge") }
        }
        if flags & 4 != 0 {
            st.idleSince = try r.signed()
            guard st.idleSince != empty else { throw .invalid("idle start") }
        }
        for i in 0..<MalformedReason.count { st.unattributed[i] = try r.varint() }
        let late = st.lateTotals
        try st.readPane(&r) { (i, n) throws(SnapshotError) in late[i] = n }
        try st.readMinutes(&r, limit: WindowConfiguration.maxOpenPanesLimit + 1) { (m, r) throws(SnapshotError) in
            if st.hasEdge && m < st.edge { throw .invalid("open pane before edge") }
            var any = false
            try st.readPane(&r) { (i, n) throws(SnapshotError) in st.addOpen(minute: m, cell: i, count: n); any = true }
            if !any { throw .invalid("empty open pane") }
        }
        for kp in [\WindowStorage.pendingOnTime, \.pendingLate] {
            try st.readMinutes(&r, limit: r.bytes.count + 1) { (m, r) throws(SnapshotError) in
                guard st.hasEdge, m < st.edge else { throw .invalid("pending pane not closed") }
                var any = false
                try st.readSparse(&r) { (i, n) throws(SnapshotError) in st[keyPath: kp][m, default: [:]][Int32(i)] = n; any = true }
                if !any { throw .invalid("empty pending pane") }
            }
        }
        return st
    }

    /// Reads the closed minutes and hour panes of a full snapshot.
    func readClosed(_ r: inout ByteReader) throws(SnapshotError) {
        let nClosed = try r.bounded(Self.closedSlots + 1, "closed count")
        if nClosed > 0 && !hasEdge { throw .invalid("closed panes without edge") }
        for _ in 0..<nClosed {
            let m = edge - 1 - Int64(try r.bounded(Self.closedSlots, "closed offset"))
            let s = Self.floorMod(m, 60)
            guard closedTags[s] == Self.empty else { throw .invalid("closed minute repeated") }
            closedTags[s] = m
            let p = closedPane(s)
            try readPane(&r) { (i, n) throws(SnapshotError) in p[i] = n }
        }
        let nHours = try r.bounded(Self.hourSlots + 1, "hour count")
        if nHours > 0 && !hasEdge { throw .invalid("hour panes without edge") }
        let topHour = Self.ceilDiv(edge, 60) - 1
        for _ in 0..<nHours {
            let h = topHour - Int64(try r.bounded(Self.hourSlots, "hour offset"))
            let s = Self.floorMod(h, 24)
            guard hourTags[s] == Self.empty else { throw .invalid("hour repeated") }
            hourTags[s] = h
            let p = hourPane(s)
            try readPane(&r) { (i, n) throws(SnapshotError) in p[i] = n }
        }
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
