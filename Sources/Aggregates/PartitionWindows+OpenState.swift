extension PartitionWindows {
    /// Format version (first byte) written by ``openStateSnapshot()``; distinct from
    /// ``snapshotVersion`` so the two formats are never confused.
    public static let openStateVersion: UInt8 = 0xA1

    /// Everything except the closed history, as compact canonical bytes, for a frequent
    /// exactly-once commit (e.g. every second, in the same transaction as the closed panes
    /// emitted since the previous commit):
    ///
    /// `version (0xA1)`, varint scenarioCount, varint districtCount, flags byte (bit 0 watermark,
    /// bit 1 view edge, bit 2 idle-period start), [zigzag watermark, ms], [zigzag view edge,
    /// minute index], [zigzag idle-period start, ms of wall clock], 14 varint unattributed
    /// counts (``MalformedReason`` order), lifetime late counters (pane), open panes (varint
    /// count ≤ 48, then per pane zigzag minute delta and pane), pending on-time and pending late
    /// corrections (varint count, per minute zigzag delta and sparse cells).
    /// A *pane* is byte 0 + sparse cells (varint non-zero count, per cell varint index gap and
    /// varint count) or byte 1 + one varint per cell, whichever is shorter.
    ///
    /// Size: proportional to the open panes and pending corrections, never to the 24 h history
    /// (v1 tables at 2 000 events/s with 3 open minutes, two full and one half: 20 869 B, of which
    /// the dense panes are ~6.6 KB each; `bench aggregate-speed` prints it as `open_state_bytes`).
    /// Closed minutes, hour panes and view totals are not included: restore them from the store
    /// with ``init(configuration:openState:closedMinutes:closedHours:)``.
    public func openStateSnapshot() -> [UInt8] {
        var out: [UInt8] = [Self.openStateVersion]
        storage.putOpenBody(&out)
        return out
    }

    /// The view edge (ms since the epoch) recorded in open-state bytes, `nil` if none closed yet:
    /// pass it to ``restoreRanges(viewEdgeMs:)`` to know which rows to load.
    /// - Throws: ``SnapshotError`` if the header is truncated, of another version or invalid.
    public static func viewEdgeMs(openState bytes: [UInt8]) throws(SnapshotError) -> Int64? {
        var r = ByteReader(bytes: bytes)
        let version = try r.byte()
        guard version == openStateVersion else { throw .unsupportedVersion(version) }
        _ = try r.bounded(65_536, "scenario count"); _ = try r.bounded(65_536, "district count")
        let flags = try r.byte()
        guard flags & ~7 == 0 else { throw .invalid("flags") }
        if flags & 1 != 0 { _ = try r.signed() }
        guard flags & 2 != 0 else { return nil }
        let e = try r.signed()
        guard e >= WindowStorage.minMinute, e <= WindowStorage.maxMinute + 1 else { throw .invalid("edge") }
        return e * 60_000
    }

    /// The closed rows a restore at view edge `viewEdgeMs` (``viewEdgeMs``, a minute boundary,
    /// ms since the epoch) must load: minute rows with `startMs` in `[E − 60 min, E)` and hour rows
    /// with `startMs` in `[ceilHour(E) − 24 h, ceilHour(E))` (see ``RestoreRanges``). Both empty
    /// when `viewEdgeMs` is `nil` (nothing closed yet).
    ///
    /// Hour semantics: an hour row is the sum of that hour's on-time closed minute panes as
    /// emitted (``ClosedPane`` kind `onTime`, late corrections excluded); the hour containing
    /// `E − 1 min` holds only its minutes before `E` (all of them if `E` is a whole hour).
    public static func restoreRanges(viewEdgeMs: Int64?) -> RestoreRanges {
        guard let e = viewEdgeMs else { return RestoreRanges(minutesMs: 0..<0, hoursMs: 0..<0) }
        let em = WindowStorage.floorDiv(e, 60_000)
        let ceilH = WindowStorage.ceilDiv(em, 60)
        return RestoreRanges(minutesMs: (em - 60) * 60_000 ..< em * 60_000,
                             hoursMs: (ceilH - 24) * 3_600_000 ..< ceilH * 3_600_000)
    }

    /// Rebuilds a state from ``openStateSnapshot()`` bytes plus the closed on-time counts a store
    /// kept, such that every rolling view, the watermark, view edge, idle state, late and
    /// unattributed counters, open panes and pending corrections equal those of the state that
    /// wrote the bytes (and both continue identically).
    ///
    /// - Parameters:
    ///   - configuration: tables at least as large as the snapshot's (growth allowed); lateness,
    ///     idle timeout and cap are taken from here. If its ``WindowConfiguration/maxOpenPanes``
    ///     is smaller than the open panes restored, the capacity rule closes the oldest.
    ///   - openState: bytes of ``openStateSnapshot()``.
    ///   - closedMinutes: minute rows (see ``ClosedCounts``) with `startMs` in
    ///     `restoreRanges(viewEdgeMs:).minutesMs` for the bytes' view edge: every minute row the
    ///     store has in that range, committed together with `openState`. Rows outside the range
    ///     are an error.
    ///   - closedHours: hour rows with `startMs` in `restoreRanges(viewEdgeMs:).hoursMs`.
    ///   Pending on-time panes inside the open state (closed but not yet emitted, hence not in
    ///   the store) are added to the views by the restore itself.
    /// - Throws: ``SnapshotError`` for bytes that are truncated, of another version or
    ///   inconsistent; tables larger than the configuration's; a row not aligned (minute/hour),
    ///   outside its range, or with a cell outside the configuration's tables. Never traps on
    ///   bad input.
    public init(configuration: WindowConfiguration, openState bytes: [UInt8],
                closedMinutes: [ClosedCounts], closedHours: [ClosedCounts]) throws(SnapshotError) {
        var r = ByteReader(bytes: bytes)
        let version = try r.byte()
        guard version == Self.openStateVersion else { throw .unsupportedVersion(version) }
        let st = try WindowStorage.readOpenBody(&r)
        guard r.pos == bytes.count else { throw .invalid("trailing bytes") }
        try self.init(restored: st, configuration: configuration)
        makeUnique()
        try storage.restoreClosed(minutes: closedMinutes, hours: closedHours)
        storage.enforceOpenCap(configuration.maxOpenPanes)
    }
}

extension WindowStorage {
    /// Fills the closed minute and hour rings from store rows plus pending on-time panes, then
    /// recomputes the view totals. Expects empty rings.
    func restoreClosed(minutes: [ClosedCounts], hours: [ClosedCounts]) throws(SnapshotError) {
        guard hasEdge else {
            if !minutes.isEmpty || !hours.isEmpty { throw .invalid("closed rows without a view edge") }
            return
        }
        let ranges = PartitionWindows.restoreRanges(viewEdgeMs: edge * 60_000)
        let topHour = Self.ceilDiv(edge, 60)
        func cell(_ c: PaneCount) throws(SnapshotError) -> Int {
            guard c.scenario >= 0, c.scenario < scenarioCount, c.district >= 0, c.district < districtCount else {
                throw .invalid("closed row cell outside the tables")
            }
            return ((c.scenario * districtCount + c.district) << 3) | Int(c.verdict.rawValue)
        }
        for row in minutes {
            guard row.startMs % 60_000 == 0, ranges.minutesMs.contains(row.startMs) else {
                throw .invalid("minute row outside the restore range")
            }
            let m = row.startMs / 60_000
            let p = closedPane(Self.floorMod(m, 60))
            for c in row.counts where c.count != 0 {
                p[try cell(c)] &+= c.count
                closedTags[Self.floorMod(m, 60)] = m
            }
        }
        for row in hours {
            guard row.startMs % 3_600_000 == 0, ranges.hoursMs.contains(row.startMs) else {
                throw .invalid("hour row outside the restore range")
            }
            let h = row.startMs / 3_600_000
            let p = hourPane(Self.floorMod(h, 24))
            for c in row.counts where c.count != 0 {
                p[try cell(c)] &+= c.count
                hourTags[Self.floorMod(h, 24)] = h
            }
        }
        // Closed but not yet emitted (capacity rule, merges): in the views, not in the store.
        for (m, sparse) in pendingOnTime {
            let h = Self.floorDiv(m, 60)
            let inMinutes = m >= edge - 60 && m < edge, inHours = h >= topHour - 24 && h < topHour
            for (c, n) in sparse where n != 0 {
                if inMinutes { closedPane(Self.floorMod(m, 60))[Int(c)] &+= n; closedTags[Self.floorMod(m, 60)] = m }
                if inHours { hourPane(Self.floorMod(h, 24))[Int(c)] &+= n; hourTags[Self.floorMod(h, 24)] = h }
            }
        }
        recomputeTotals()
    }
}
