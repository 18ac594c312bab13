import Aggregates
/// The body of `GET /api/v1/status`: consumer progress and throughput.
///
/// JSON (snake_case), e.g.
/// ```json
/// {"started_at_ms":…,"now_ms":…,"uptime_s":12.5,"events_total":1000,"late_total":0,
///  "unattributed_total":3,"events_per_second":812.4,
///  "verdict_totals":{"malformed":3,…,"valid":950},
///  "verdict_per_second":{"malformed":0.2,…,"valid":790.1},
///  "events_per_second_history":[790.2,801.0,…],
///  "partitions":[{"topic":"ykm.scans","partition":0,"committed_offset":41,"position":42,
///                 "lag":3,"watermark_ms":1764400000000}],
///  "brokers":{"reachable":true,"since_ms":1764400000000},
///  "store":{"available":false,"problem":"the state store did not answer within 10 seconds"}}
/// ```
/// `brokers` and `store` are omitted by sources that have none (the HTTP demo source).
public struct StatusResponse: Codable, Sendable, Equatable {
    /// When the processor started, milliseconds since the Unix epoch (wall clock).
    public var startedAtMs: Int64
    /// The processor's wall clock when the status was taken, ms since the epoch.
    public var nowMs: Int64
    /// Seconds since start (`(now_ms − started_at_ms) / 1000`).
    public var uptimeS: Double
    /// Events given a verdict since start (all verdicts, attributed or not).
    public var eventsTotal: UInt64
    /// Late events since start (spec v1 §7).
    public var lateTotal: UInt64
    /// `malformed` events not attributed to a cell since start (spec v1 §5).
    public var unattributedTotal: UInt64
    /// Events given a verdict per second, over the source's recent interval (a few seconds).
    public var eventsPerSecond: Double
    /// Events since start per verdict.
    public var verdictTotals: PerVerdict<UInt64>
    /// Events per second per verdict over the same recent interval as ``eventsPerSecond``.
    public var verdictPerSecond: PerVerdict<Double>
    /// Recent events/s samples, oldest first, one per second (at most a few
    /// hundred); empty if the source keeps none. The dashboard's sparkline.
    public var eventsPerSecondHistory: [Double]
    /// One entry per assigned input partition.
    public var partitions: [PartitionStatus]
    /// What the Kafka client knows of its brokers (issue 12), or `nil`.
    public var brokers: BrokerStatus?
    /// Whether the state store answers (issue 10), or `nil` without a store.
    public var store: StoreStatus?

    public init(
        startedAtMs: Int64, nowMs: Int64, eventsTotal: UInt64, lateTotal: UInt64,
        unattributedTotal: UInt64, eventsPerSecond: Double,
        verdictTotals: PerVerdict<UInt64>, verdictPerSecond: PerVerdict<Double>,
        eventsPerSecondHistory: [Double] = [], partitions: [PartitionStatus]
    ) {
        self.startedAtMs = startedAtMs
        self.nowMs = nowMs
        self.uptimeS = Double(max(0, nowMs - startedAtMs)) / 1000
        self.eventsTotal = eventsTotal
        self.lateTotal = lateTotal
        self.unattributedTotal = unattributedTotal
        self.eventsPerSecond = eventsPerSecond
        self.verdictTotals = verdictTotals
        self.verdictPerSecond = verdictPerSecond
        self.eventsPerSecondHistory = eventsPerSecondHistory
        self.partitions = partitions
    }

    enum CodingKeys: String, CodingKey {
        case startedAtMs = "started_at_ms"
        case nowMs = "now_ms"
        case uptimeS = "uptime_s"
        case eventsTotal = "events_total"
        case lateTotal = "late_total"
        case unattributedTotal = "unattributed_total"
        case eventsPerSecond = "events_per_second"
        case verdictTotals = "verdict_totals"
        case verdictPerSecond = "verdict_per_second"
        case eventsPerSecondHistory = "events_per_second_history"
        case partitions, brokers, store
    }
}

/// The Kafka brokers as the processor's client sees them, in ``StatusResponse/brokers``.
public struct BrokerStatus: Codable, Sendable, Equatable {
    /// `true` when a broker is up, `false` when none is, `nil` (omitted) before the client knew.
    public var reachable: Bool?
    /// Why they are unreachable (librdkafka's words), omitted when reachable.
    public var reason: String?
    /// Since when `reachable` has its value, ms since the Unix epoch; omitted before the first change.
    public var sinceMs: Int64?

    public init(reachable: Bool?, reason: String? = nil, sinceMs: Int64? = nil) {
        self.reachable = reachable
        self.reason = reason
        self.sinceMs = sinceMs
    }

    enum CodingKeys: String, CodingKey {
        case reachable, reason
        case sinceMs = "since_ms"
    }
}

/// The state store as the processor sees it, in ``StatusResponse/store``.
public struct StoreStatus: Codable, Sendable, Equatable {
    /// Whether the store answered its last call (commit, restore or health probe).
    public var available: Bool
    /// The last error while unavailable; omitted while available.
    public var problem: String?

    public init(available: Bool, problem: String? = nil) {
        self.available = available
        self.problem = problem
    }
}

/// Progress of one input partition, in ``StatusResponse/partitions``.
/// Optional fields are omitted from the JSON when unknown (e.g. before the
/// first commit or before any verified event).
public struct PartitionStatus: Codable, Sendable, Equatable {
    /// Kafka topic.
    public var topic: String
    /// Kafka partition number.
    public var partition: Int32
    /// Last committed offset (the next offset to consume after a restart).
    public var committedOffset: Int64?
    /// The consumer's position: the offset of the next record it will fetch.
    public var position: Int64?
    /// Consumer lag in records: high watermark − position.
    public var lag: Int64?
    /// The partition's event-time watermark (spec v1 §7), ms since the epoch.
    public var watermarkMs: Int64?

    public init(
        topic: String, partition: Int32, committedOffset: Int64? = nil,
        position: Int64? = nil, lag: Int64? = nil, watermarkMs: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.committedOffset = committedOffset
        self.position = position
        self.lag = lag
        self.watermarkMs = watermarkMs
    }

    enum CodingKeys: String, CodingKey {
        case topic, partition
        case committedOffset = "committed_offset"
        case position, lag
        case watermarkMs = "watermark_ms"
    }
}
