import Aggregates
import Metrics
import Prometheus
import Synchronization

/// The processor's Prometheus metrics and the handles the pipeline updates.
///
/// Every name starts with `streamproc_`; `GET /metrics` serves
/// ``exposition()`` (Prometheus text format 0.0.4). Series:
///
/// | name | type | labels | unit |
/// |---|---|---|---|
/// | `streamproc_events_total` | counter | `verdict` (spec v1 §5 wire name) | events |
/// | `streamproc_unattributed_total` | counter | `reason` (``MalformedReason`` name) | events |
/// | `streamproc_late_events_total` | counter | — | events (spec v1 §7) |
/// | `streamproc_verify_latency_seconds` | histogram | — | seconds per signature verification |
/// | `streamproc_events_per_second` | gauge | — | events/s, set by the pipeline |
/// | `streamproc_consumer_lag` | gauge | `topic`, `partition` | records |
/// | `streamproc_committed_offset` | gauge | `topic`, `partition` | Kafka offset |
/// | `streamproc_watermark_seconds` | gauge | `topic`, `partition` | s since the epoch (spec v1 §7) |
/// | `streamproc_start_time_seconds` | gauge | — | s since the epoch |
/// | `streamproc_resident_memory_bytes` | gauge | — | bytes: the process's RSS (`/proc/self/statm`) |
/// | `streamproc_heap_in_use_bytes` | gauge | — | bytes malloc has handed out and not taken back (glibc `mallinfo2`) |
///
/// Hot-path use: increment once per batch (`recordVerdicts(_:)` with the
/// batch's per-verdict counts), not once per event; each counter update is one
/// atomic add. Histogram samples take a lock: record a sample of verifications
/// (e.g. 1 in 64), not all of them.
///
/// The registry fatal-errors if one name is registered twice with different
/// types or help texts: give each `StreamProcMetrics` its own registry (the
/// default) unless the other users of a shared registry avoid these names.
public final class StreamProcMetrics: Sendable {
    /// The registry every series lives in; ``exposition()`` renders it.
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory over ``registry``: bootstrap it
    /// (``bootstrapMetricsSystem()``) to have libraries' swift-metrics series
    /// (e.g. Hummingbird's `MetricsMiddleware`) served on the same endpoint.
    public let factory: PrometheusMetricsFactory

    /// `streamproc_events_total{verdict=…}`, indexed by `Verdict.rawValue`.
    public let eventsByVerdict: [Prometheus.Counter]
    /// `streamproc_unattributed_total{reason=…}`, indexed by `MalformedReason.rawValue`.
    public let unattributedByReason: [Prometheus.Counter]
    /// `streamproc_late_events_total`.
    public let lateEvents: Prometheus.Counter
    /// `streamproc_verify_latency_seconds`: one signature verification, seconds.
    public let verifyLatency: DurationHistogram
    /// `streamproc_events_per_second`: recent throughput, set by the pipeline.
    public let eventsPerSecond: Prometheus.Gauge
    /// `streamproc_store_commit_latency_seconds`: one state-store commit (all partitions of a
    /// commit interval, one transaction each), including retries.
    public let commitLatency: DurationHistogram
    /// `streamproc_store_up`: 1 while the state store answers, 0 while it is unavailable.
    public let storeUp: Prometheus.Gauge
    /// `streamproc_output_records_refused_total`: output records the client or broker
    /// refused (too large, invalid), skipped without stopping their partition.
    public let outputRecordsRefused: Prometheus.Counter
    /// `streamproc_start_time_seconds`: set at init from `startTimeMs`.
    public let startTime: Prometheus.Gauge
    /// `streamproc_resident_memory_bytes`: resident set size, bytes, set by the pipeline.
    public let residentMemory: Prometheus.Gauge
    /// `streamproc_heap_in_use_bytes`: heap allocated and not freed, bytes, set by the pipeline.
    /// Beside ``residentMemory`` it tells a leak (both grow) from memory the allocator keeps.
    public let heapInUse: Prometheus.Gauge

    private struct PartitionKey: Hashable {
        var topic: String
        var partition: Int32
    }

    /// A partition's gauges; each is registered on its first value, so a partition
    /// without a watermark (or lag, or commit) yet has no such series at all.
    private struct PartitionGauges: Sendable {
        var lag: Prometheus.Gauge?
        var committed: Prometheus.Gauge?
        var watermark: Prometheus.Gauge?
    }

    private let partitions = Mutex<[PartitionKey: PartitionGauges]>([:])

    /// Buckets of ``verifyLatency``: 5 µs … 50 ms (SM2/ES256/Ed25519 verify in tens of µs).
    public static let verifyLatencyBuckets: [Duration] = [
        .microseconds(5), .microseconds(10), .microseconds(20), .microseconds(50),
        .microseconds(100), .microseconds(200), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50),
    ]

    /// Buckets of ``commitLatency``: 1 ms … 10 s.
    public static let commitLatencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    /// Registers every series in `registry`.
    ///
    /// - Parameters:
    ///   - registry: where the series live; a fresh one by default.
    ///   - startTimeMs: process start, ms since the epoch, for `streamproc_start_time_seconds`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), startTimeMs: Int64) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)

        let events = MetricNameDescriptor(
            namespace: "streamproc", metricName: "events", unitName: "total",
            helpText: "Events given a verdict (spec v1 section 5), by verdict.")
        eventsByVerdict = Verdict.allCases.map {
            registry.makeCounter(descriptor: events, labels: [("verdict", $0.name)])
        }
        let unattributed = MetricNameDescriptor(
            namespace: "streamproc", metricName: "unattributed", unitName: "total",
            helpText: "Malformed events not attributed to a cell, by reason.")
        unattributedByReason = MalformedReason.allCases.map {
            registry.makeCounter(descriptor: unattributed, labels: [("reason", $0.name)])
        }
        lateEvents = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "streamproc", metricName: "late_events", unitName: "total",
            helpText: "Events that arrived for a closed window (spec v1 section 7)."))
        verifyLatency = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "streamproc", metricName: "verify_latency", unitName: "seconds",
                helpText: "Time to verify one code signature (sampled)."),
            buckets: Self.verifyLatencyBuckets)
        eventsPerSecond = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamproc", metricName: "events_per_second", unitName: "",
            helpText: "Events given a verdict per second, recent interval."))
        outputRecordsRefused = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "streamproc", metricName: "output_records_refused", unitName: "total",
            helpText: "Output records the Kafka client or broker refused (too large, invalid); skipped."))
        commitLatency = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "streamproc", metricName: "store_commit_latency", unitName: "seconds",
                helpText: "Time of one state-store commit (exactly-once state), retries included."),
            buckets: Self.commitLatencyBuckets)
        storeUp = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamproc", metricName: "store_up", unitName: "",
            helpText: "1 while the state store answers, 0 while it is unavailable."))
        storeUp.set(Int64(1))
        startTime = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamproc", metricName: "start_time", unitName: "seconds",
            helpText: "Process start time, seconds since the Unix epoch."))
        startTime.set(Double(startTimeMs) / 1000)
        residentMemory = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamproc", metricName: "resident_memory", unitName: "bytes",
            helpText: "Resident set size of the process, bytes."))
        heapInUse = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "streamproc", metricName: "heap_in_use", unitName: "bytes",
            helpText: "Heap memory allocated and not yet freed (glibc mallinfo2 uordblks + hblkhd), bytes."))
    }

    /// Sets the memory gauges, **bytes**; a `nil` leaves that gauge as it was.
    public func setMemory(residentBytes: Int?, heapInUseBytes: Int?) {
        if let residentBytes { residentMemory.set(Int64(residentBytes)) }
        if let heapInUseBytes { heapInUse.set(Int64(heapInUseBytes)) }
    }

    /// Adds `count` events with verdict `verdict`.
    @inlinable
    public func recordVerdict(_ verdict: Verdict, count: Int64 = 1) {
        eventsByVerdict[Int(verdict.rawValue)].increment(by: count)
    }

    /// Adds one batch's per-verdict counts (one atomic add per non-zero verdict).
    public func recordVerdicts(_ counts: PerVerdict<UInt64>) {
        for (i, n) in counts.values.enumerated() where n > 0 {
            eventsByVerdict[i].increment(by: Int64(clamping: n))
        }
    }

    /// Adds `count` unattributed malformed events with `reason`.
    public func recordUnattributed(_ reason: MalformedReason, count: Int64 = 1) {
        let i = Int(reason.rawValue)
        guard i < unattributedByReason.count else { return }
        unattributedByReason[i].increment(by: count)
    }

    /// Adds `count` late events.
    public func recordLate(count: Int64 = 1) {
        lateEvents.increment(by: count)
    }

    /// Records one state-store commit's duration in nanoseconds.
    public func recordCommitLatency(nanoseconds: Int64) {
        commitLatency.record(.nanoseconds(nanoseconds))
    }

    /// Records one verification's duration in nanoseconds.
    public func recordVerifyLatency(nanoseconds: Int64) {
        verifyLatency.record(.nanoseconds(nanoseconds))
    }

    /// Sets `streamproc_events_per_second`.
    public func setEventsPerSecond(_ value: Double) {
        eventsPerSecond.set(value)
    }

    /// Sets the per-partition gauges; a `nil` leaves that gauge as it was. A gauge's
    /// series exists from its first non-`nil` value on: a partition without a watermark
    /// has no `streamproc_watermark_seconds` series (rather than a misleading 0).
    ///
    /// - Parameters:
    ///   - lag: records (high watermark − position).
    ///   - committedOffset: the last committed Kafka offset.
    ///   - watermarkMs: event-time watermark, ms since the epoch (exported in seconds).
    public func setPartition(
        topic: String, partition: Int32,
        lag: Int64? = nil, committedOffset: Int64? = nil, watermarkMs: Int64? = nil
    ) {
        let key = PartitionKey(topic: topic, partition: partition)
        let labels = [("topic", topic), ("partition", String(partition))]
        partitions.withLock { map in
            var g = map[key] ?? PartitionGauges()
            if let lag {
                if g.lag == nil { g.lag = registry.makeGauge(descriptor: Self.lagName, labels: labels) }
                g.lag?.set(lag)
            }
            if let committedOffset {
                if g.committed == nil { g.committed = registry.makeGauge(descriptor: Self.committedName, labels: labels) }
                g.committed?.set(committedOffset)
            }
            if let watermarkMs {
                if g.watermark == nil { g.watermark = registry.makeGauge(descriptor: Self.watermarkName, labels: labels) }
                g.watermark?.set(Double(watermarkMs) / 1000)
            }
            map[key] = g
        }
    }

    /// Drops a partition's gauges (call when the partition is revoked).
    public func removePartition(topic: String, partition: Int32) {
        let removed = partitions.withLock { $0.removeValue(forKey: PartitionKey(topic: topic, partition: partition)) }
        if let removed {
            for gauge in [removed.lag, removed.committed, removed.watermark] {
                if let gauge { registry.unregisterGauge(gauge) }
            }
        }
    }

    /// The Prometheus text exposition (format 0.0.4) of ``registry``.
    public func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return buffer
    }

    /// Bootstraps the process-wide swift-metrics system with ``factory``.
    /// Call at most once per process (swift-metrics traps on a second bootstrap).
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(factory)
    }

    private static var lagName: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "streamproc", metricName: "consumer_lag", unitName: "",
                             helpText: "Consumer lag in records (high watermark minus position).")
    }
    private static var committedName: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "streamproc", metricName: "committed_offset", unitName: "",
                             helpText: "Last committed Kafka offset.")
    }
    private static var watermarkName: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "streamproc", metricName: "watermark", unitName: "seconds",
                             helpText: "Event-time watermark (spec v1 section 7), seconds since the epoch.")
    }
}
