import Aggregates
import KafkaIO
import LiveView
import ScanRules
import Foundation
import Synchronization

/// Running totals since start, kept by the pipeline's loop.
public struct LiveTotals: Sendable {
    /// Events per verdict (index `Verdict.rawValue`), late ones included.
    public var verdicts = [UInt64](repeating: 0, count: Verdict.count)
    /// Late events (spec §7).
    public var late: UInt64 = 0
    /// Unattributed malformed events per reason (index `MalformedReason.rawValue`).
    public var unattributed = [UInt64](repeating: 0, count: MalformedReason.count)
    /// Counted (on-time, attributed) events per scenario index.
    public var byScenario: [UInt64] = []
    /// Counted (on-time, attributed) events per district index.
    public var byDistrict: [UInt64] = []
    /// Wall time from the start of each batch's judging (decode + verify, all cores) until the
    /// loop took its result (it may include time the batch waited behind the previous one), nanoseconds.
    public var judgeNs: UInt64 = 0
    /// Wall time spent applying judgements in order (rule 7, counters, output records), nanoseconds.
    public var applyNs: UInt64 = 0
    /// CPU time decoding, summed over workers, nanoseconds (``JudgeTiming/decodeNs``).
    public var decodeCpuNs: UInt64 = 0
    /// CPU time in key lookup, verification and lifetime rules, summed over workers, nanoseconds.
    public var verifyCpuNs: UInt64 = 0
    /// Wall time the loop waited for output deliveries before storing offsets, nanoseconds.
    public var deliveryWaitNs: UInt64 = 0
    /// Batches counted (``events`` / ``batches`` is the mean batch size: it grows with load,
    /// ``PipelineConfiguration/maxBatch``).
    public var batches: UInt64 = 0

    public init(scenarios: Int = 0, districts: Int = 0) {
        byScenario = [UInt64](repeating: 0, count: scenarios)
        byDistrict = [UInt64](repeating: 0, count: districts)
    }

    /// All events judged.
    public var events: UInt64 { verdicts.reduce(0, +) }

    mutating func count(scenario: Int, district: Int, verdict: Verdict) {
        if scenario < byScenario.count { byScenario[scenario] += 1 }
        if district < byDistrict.count { byDistrict[district] += 1 }
    }

    mutating func add(verdicts v: [UInt64], late l: UInt64) {
        for i in 0..<Verdict.count { verdicts[i] += v[i] }
        late += l
    }
}

/// Progress of one assigned input partition, as published.
public struct LivePartition: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// Offset after the last record processed.
    public var nextOffset: Int64?
    /// The offset that is (or will next be) committed.
    public var committableOffset: Int64?
    /// Consumer lag in records (high watermark − position).
    public var lag: Int64?
    /// The event-time watermark, ms since the epoch (spec §7).
    public var watermarkMs: Int64?
    /// Events judged since the partition was assigned.
    public var events: UInt64
}

/// What the pipeline publishes for readers (HTTP, terminal summary): merged
/// rolling views across partitions, partition progress and totals. Written
/// by the pipeline's loop at most twice a second; read from any thread.
public final class LiveState: Sendable {
    /// One published state.
    public struct Snapshot: Sendable {
        /// Merged rolling views, indexed by `RollingView.rawValue`.
        public var views: [ViewCounts] = []
        /// End of the newest closed minute across partitions, ms since the epoch (`nil`: none closed yet).
        public var viewEdgeMs: Int64?
        /// Counts of the panes still open (provisional, spec §7), summed over partitions.
        public var provisional: ViewCounts?
        /// End of the newest open minute across partitions, ms since the epoch.
        public var provisionalEdgeMs: Int64?
        public var partitions: [LivePartition] = []
        public var totals = LiveTotals()
        /// Wall clock of this snapshot, ms since the epoch.
        public var atMs: Int64 = 0
        /// Publication number, +1 per ``LiveState/publish`` (HTTP bodies are cached per number).
        public var sequence: UInt64 = 0
        /// Whether the state store answered its last call.
        public var storeAvailable = true
        /// Why the store is unavailable (its error), `nil` while it is available.
        public var storeProblem: String?
        /// What the consumer last knew of the Kafka brokers.
        public var brokers = KafkaBrokerState()
        /// Whether the consumer group has given this instance an assignment (possibly empty)
        /// since start; until then "no partitions" is not yet a legitimate state.
        public var joinedGroup = false
        /// Wall clock (ms) of the last batch processed or commit made: progress.
        public var lastProgressMs: Int64 = 0
        /// Events/s over recent seconds, oldest first (at most 120 samples).
        public var eventsPerSecondHistory: [Double] = []
        /// Events/s per verdict over the last interval.
        public var verdictPerSecond = [Double](repeating: 0, count: Verdict.count)
        var rateBase = [UInt64](repeating: 0, count: Verdict.count)
        var rateBaseMs: Int64 = 0
    }

    /// Process start, ms since the epoch.
    public let startedAtMs: Int64
    private let state = Mutex(Snapshot())

    public init(startedAtMs: Int64 = WallClock.nowMs()) {
        self.startedAtMs = startedAtMs
    }

    /// The latest snapshot. When the loop has not published for over 2 s (blocked, e.g.
    /// waiting for unreachable brokers), the rates read 0: nothing is being processed.
    public var snapshot: Snapshot {
        var s = state.withLock { $0 }
        if s.atMs > 0, WallClock.nowMs() - s.atMs > 2_000 {
            s.verdictPerSecond = [Double](repeating: 0, count: Verdict.count)
            s.eventsPerSecondHistory.append(0)
        }
        return s
    }

    /// Records the Kafka brokers' state and group membership (published by the loop and
    /// by a watcher while the loop is blocked).
    func setKafkaState(brokers: KafkaBrokerState, joinedGroup: Bool? = nil) {
        state.withLock { s in
            s.brokers = brokers
            if let joinedGroup { s.joinedGroup = joinedGroup }
        }
    }

    /// Notes progress (a batch processed, a commit made) at the wall clock `ms`.
    func noteProgress(atMs ms: Int64 = WallClock.nowMs()) {
        state.withLock { $0.lastProgressMs = ms }
    }

    /// Records whether the state store answers (``StoreAccess``), for `/api/v1/status`.
    func setStoreState(available: Bool, reason: String?) {
        state.withLock { s in
            s.storeAvailable = available
            s.storeProblem = reason
        }
    }

    func publish(views: [ViewCounts], viewEdgeMs: Int64?, provisional: ViewCounts? = nil, provisionalEdgeMs: Int64? = nil,
                 partitions: [LivePartition], totals: LiveTotals) {
        let now = WallClock.nowMs()
        state.withLock { s in
            let dt = Double(now - s.rateBaseMs) / 1000
            if s.rateBaseMs > 0, dt >= 0.9 {
                var perVerdict = [Double](repeating: 0, count: Verdict.count)
                for i in 0..<Verdict.count {
                    perVerdict[i] = Double(totals.verdicts[i] &- s.rateBase[i]) / dt
                }
                s.verdictPerSecond = perVerdict
                s.eventsPerSecondHistory.append(perVerdict.reduce(0, +))
                if s.eventsPerSecondHistory.count > 120 { s.eventsPerSecondHistory.removeFirst() }
            }
            if s.rateBaseMs == 0 || dt >= 0.9 {
                s.rateBase = totals.verdicts
                s.rateBaseMs = now
            }
            s.totals = totals
            s.atMs = now
            s.sequence &+= 1
            s.views = views
            s.viewEdgeMs = viewEdgeMs
            s.provisional = provisional
            s.provisionalEdgeMs = provisionalEdgeMs
            s.partitions = partitions
        }
    }
}
