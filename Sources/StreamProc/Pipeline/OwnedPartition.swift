import Aggregates
import KafkaIO
import ScanRules
import StateStore

/// One input partition this instance owns: its window counters and duplicate filter
/// (``PartitionState``), plus what the exactly-once state store needs to commit it
/// (issue 10): the fencing epoch of the claim, the commit sequence, and what changed since
/// the last commit. Owned and mutated by the pipeline's loop task only.
final class OwnedPartition {
    let topicPartition: TopicPartition
    let state: PartitionState
    /// The epoch of this instance's claim (``StateStore/claim(topic:partition:owner:)``).
    let epoch: Int64
    /// The store's commit sequence after our last commit (or the claim).
    var sequence: Int64
    /// The offset of the last commit (the restored start offset before the first), −1 if none.
    var committedOffset: Int64
    /// Lifetime unattributed counts per reason handed to the last commit (the store adds the deltas).
    var committedUnattributed: [UInt64]
    /// On-time panes closed since the last commit was made (`counts_1m`, `counts_1h`).
    var closedSinceCommit: [ClosedPane] = []
    /// Late corrections since the last commit (the `late` columns).
    var lateSinceCommit: [ClosedPane] = []

    init(_ tp: TopicPartition, state: PartitionState, epoch: Int64, sequence: Int64, startOffset: Int64?) {
        self.topicPartition = tp
        self.state = state
        self.epoch = epoch
        self.sequence = sequence
        self.committedOffset = startOffset ?? -1
        if let o = startOffset { state.nextOffset = o }
        state.windows.restartIdleClock(wallClockMs: WallClock.nowMs())
        committedUnattributed = MalformedReason.allCases.map { state.windows.unattributedCount($0) }
    }

    /// Whether anything must be written at the next commit.
    var hasProgress: Bool {
        state.nextOffset > committedOffset || !closedSinceCommit.isEmpty || !lateSinceCommit.isEmpty
    }

    /// Closes the panes the watermark passed (spec §7) and keeps them for the next commit.
    /// - Returns: the newly closed on-time panes (for the counts topic).
    func advance(wallClockMs: Int64, caughtUp: Bool) -> [ClosedPane] {
        let panes = state.windows.advance(wallClockMs: wallClockMs, caughtUp: caughtUp)
        state.forgetClosedPanes()
        var onTime: [ClosedPane] = []
        for pane in panes {
            if pane.kind == .late { lateSinceCommit.append(pane) } else { onTime.append(pane) }
        }
        closedSinceCommit += onTime
        return onTime
    }

    /// The commit of everything since the last one (``StateStore/commit(_:)``); `nil` when
    /// nothing was processed yet (no offset to store). Takes what it writes: the closed
    /// panes, late corrections, unattributed increments and new duplicate ids are handed to
    /// the commit and not written again (a commit that fails permanently stops the pipeline;
    /// a fenced one drops the partition).
    func makeCommit(names: StoreNames) -> PartitionCommit? {
        guard state.nextOffset >= 0 else { return nil }
        var unattributed: [String: Int64] = [:]
        for reason in MalformedReason.allCases {
            let now = state.windows.unattributedCount(reason)
            let before = committedUnattributed[Int(reason.rawValue)]
            if now > before { unattributed[reason.name] = Int64(now - before) }
        }
        // The journal may name an id twice (added, then re-timed): its last entry wins.
        var latest: [DuplicateEntry] = []
        var index: [SIMD2<UInt64>: Int] = [:]
        for e in state.duplicates.drainNewEntries() {
            let id = SIMD2(e.hi, e.lo)
            if let i = index[id] { latest[i] = e } else { index[id] = latest.count; latest.append(e) }
        }
        let ids = latest.map { StoredDuplicateID(hi: $0.hi, lo: $0.lo, scannedAtMs: $0.scannedAtMs) }
        let commit = PartitionCommit(
            topic: topicPartition.topic, partition: topicPartition.partition, epoch: epoch,
            expectedSequence: sequence, nextOffset: state.nextOffset,
            openState: OpenStateEnvelope.encode(windows: state.windows.openStateSnapshot(),
                                                duplicateHighestMs: state.duplicates.highestScannedAtMs),
            closedCounts: closedSinceCommit.flatMap { names.stored($0) },
            lateIncrements: lateSinceCommit.flatMap { names.stored($0) },
            unattributedIncrements: unattributed,
            newDuplicateIDs: ids,
            pruneDuplicatesBeforeMs: state.duplicates.evictionCutoffMs)
        closedSinceCommit.removeAll()
        lateSinceCommit.removeAll()
        committedUnattributed = MalformedReason.allCases.map { state.windows.unattributedCount($0) }
        return commit
    }

    /// The store applied `commit` (possibly while the loop went on processing): its offset
    /// is now the committed one.
    func committed(_ commit: PartitionCommit, sequence: Int64) {
        self.sequence = sequence
        committedOffset = commit.nextOffset
    }
}

/// What the pipeline stores as a partition's opaque open state: the window counters' open
/// state (``PartitionWindows/openStateSnapshot()``) and the duplicate filter's highest
/// `scanned_at` (its eviction clock).
///
/// Layout: `0x01`, 8-byte big-endian length L, L bytes of window open state, flag byte
/// (1: a highest time follows), [8-byte big-endian two's-complement ms].
enum OpenStateEnvelope {
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "stored open state is malformed (unknown version or truncated)" }
    }

    static func encode(windows: [UInt8], duplicateHighestMs: Int64?) -> [UInt8] {
        var out: [UInt8] = [0x01]
        out.reserveCapacity(windows.count + 18)
        append(UInt64(windows.count), &out)
        out += windows
        if let h = duplicateHighestMs {
            out.append(1)
            append(UInt64(bitPattern: h), &out)
        } else {
            out.append(0)
        }
        return out
    }

    /// - Throws: ``Malformed`` for bytes not written by ``encode(windows:duplicateHighestMs:)``.
    static func decode(_ bytes: [UInt8]) throws -> (windows: [UInt8], duplicateHighestMs: Int64?) {
        guard bytes.count >= 10, bytes[0] == 0x01 else { throw Malformed() }
        let n = read(bytes, 1)
        guard n <= UInt64(bytes.count - 10) else { throw Malformed() }
        let end = 9 + Int(n)
        let windows = Array(bytes[9..<end])
        switch bytes[end] {
        case 0 where bytes.count == end + 1: return (windows, nil)
        case 1 where bytes.count == end + 9: return (windows, Int64(bitPattern: read(bytes, end + 1)))
        default: throw Malformed()
        }
    }

    private static func append(_ v: UInt64, _ out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    private static func read(_ b: [UInt8], _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(b[at + i]) }
        return v
    }
}

/// Index ↔ name mapping between the window counters (dense indices) and the store's rows
/// (scenario id, district code, verdict name, as analysts query them).
struct StoreNames: Sendable {
    let reference: ReferenceData
    private let verdictByName: [String: Verdict]

    init(reference: ReferenceData) {
        self.reference = reference
        verdictByName = Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0.name, $0) })
    }

    /// One row per non-zero cell of `pane`.
    func stored(_ pane: ClosedPane) -> [StoredCount] {
        pane.counts.map {
            StoredCount(windowStartMs: pane.windowStartMs, scenario: reference.scenarios[$0.scenario].id,
                        district: reference.districts[$0.district].code, verdict: $0.verdict.name,
                        count: Int64($0.count))
        }
    }

    /// Rows grouped by window start as the window counters take them; rows of scenarios,
    /// districts or verdicts this instance does not know are skipped and counted.
    func grouped(_ rows: [StoredCount]) -> (windows: [Aggregates.ClosedCounts], skipped: Int) {
        var byStart: [Int64: [PaneCount]] = [:]
        var skipped = 0
        for r in rows {
            guard let s = reference.scenarioIndex(r.scenario), let d = reference.districtIndex(r.district),
                  let v = verdictByName[r.verdict], r.count > 0, r.count <= Int64(UInt32.max) else {
                skipped += 1
                continue
            }
            byStart[r.windowStartMs, default: []].append(PaneCount(scenario: s, district: d, verdict: v, count: UInt32(r.count)))
        }
        let windows = byStart.keys.sorted().map { Aggregates.ClosedCounts(startMs: $0, counts: byStart[$0]!) }
        return (windows, skipped)
    }
}
