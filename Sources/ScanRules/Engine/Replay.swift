import Aggregates
import Foundation

/// The offline path of `streamproc replay`: every line of a file is one
/// record value of one partition, judged (rules 1–7, spec §5) and counted
/// (spec §7) exactly as the pipeline would, without Kafka.
public struct Replay: Sendable {
    /// One line's outcome.
    public struct LineVerdict: Sendable, Equatable {
        /// 1-based line number.
        public var line: Int
        public var verdict: Verdict
        /// The malformed reason, or `late` for a late event, else `nil`.
        public var reason: String?
        /// Whether the event is counted in a cell (spec §5); `false` only for unattributed malformed events.
        public var attributed: Bool
    }

    /// The result of a replay.
    public struct Result: Sendable {
        /// One entry per input line, in order.
        public var lines: [LineVerdict]
        /// Every pane closed, in order (all windows closed at end of input).
        public var panes: [ClosedPane]
        /// Events per verdict.
        public var totals: [Verdict: Int]
        /// Unattributed malformed events.
        public var unattributed: Int
        /// Late events (counted in `late` only).
        public var late: Int
    }

    public let engine: VerdictEngine
    public let reference: ReferenceData
    /// Allowed lateness of the watermark, ms (spec §7).
    public var allowedLatenessMs: Int64 = 120_000

    public init(engine: VerdictEngine, reference: ReferenceData) {
        self.engine = engine
        self.reference = reference
    }

    /// Judges and counts `records` in order as one partition.
    /// - Parameter nowMs: the wall clock for `clock_ahead`, ms since the epoch.
    public func run<V: RecordValues>(_ records: V, nowMs: Int64) async -> Result {
        var judgements = await ParallelJudge(engine: engine).judge(records, nowMs: nowMs)
        let state = PartitionState(
            windows: WindowConfiguration(scenarioCount: reference.scenarios.count,
                                         districtCount: reference.districts.count,
                                         allowedLatenessMs: allowedLatenessMs),
            policy: engine.policy)
        var lines: [LineVerdict] = []
        lines.reserveCapacity(judgements.count)
        var panes: [ClosedPane] = []
        var totals: [Verdict: Int] = [:]
        var unattributed = 0, late = 0
        for i in judgements.indices {
            let placement = state.apply(&judgements[i], offset: Int64(i), wallClockMs: nowMs)
            let j = judgements[i]
            var reason = j.reason?.name
            var attributed = true
            switch placement {
            case .counted: break
            case .late:
                late += 1
                reason = "late"
            case .unattributed(let r):
                unattributed += 1
                reason = r.name
                attributed = false
            }
            totals[j.verdict, default: 0] += 1
            lines.append(LineVerdict(line: i + 1, verdict: j.verdict, reason: reason, attributed: attributed))
            // A replay is one long backlog (never caught up, spec §7): only event time closes windows.
            if (i + 1) % 4096 == 0 { panes += state.windows.advance(wallClockMs: nowMs, caughtUp: false) }
        }
        panes += state.windows.advance(wallClockMs: nowMs, caughtUp: false)
        panes += state.windows.closeAll()
        return Result(lines: lines, panes: panes, totals: totals, unattributed: unattributed, late: late)
    }

    /// `{"line":N,"verdict":"…","attributed":true|false}` lines (plus `"reason"` when there is one).
    public static func verdictLines(_ result: Result) -> [String] {
        result.lines.map { l in
            var s = "{\"line\":\(l.line),\"verdict\":\"\(l.verdict.name)\""
            if let r = l.reason { s += ",\"reason\":\"\(r)\"" }
            return s + ",\"attributed\":\(l.attributed)}"
        }
    }

    /// The totals as printed by `streamproc replay` and shaped like `expected-totals.json`:
    /// `{"events":N,"by_verdict":{…},"unattributed":N,"late":N}` with verdicts sorted by name.
    public static func totalsJSON(_ result: Result) -> String {
        let byVerdict = Verdict.allCases.sorted { $0.name < $1.name }
            .map { "\"\($0.name)\":\(result.totals[$0] ?? 0)" }.joined(separator: ",")
        return "{\"events\":\(result.lines.count),\"by_verdict\":{\(byVerdict)},\"unattributed\":\(result.unattributed),\"late\":\(result.late)}"
    }
}
