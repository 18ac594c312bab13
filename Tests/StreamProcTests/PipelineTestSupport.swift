import CLibrdkafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
@testable import StreamProc
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import LoadKit
import StreamProcTesting
import StateStore

/// The pipeline integration suites (Pipeline*Tests.swift), run one after the
/// other: each starts an embedded cluster and pipelines, and on 2 cores they
/// would otherwise starve each other's heartbeats and time out.
@Suite("Pipeline integration", .serialized)
struct PipelineIntegrationTests {}

/// Helpers of the pipeline integration suites: corpus fixtures, a pipeline
/// running in its own `ServiceGroup`, bounded waits, and readers of the
/// output topics and of a group's committed offsets (raw librdkafka).
enum PipelineTestSupport {
    static let logger: Logger = {
        var l = Logger(label: "test.pipeline")
        l.logLevel = .warning
        return l
    }()

    static let keysPath = SharedFixtures.root + "/corpus/v1/keys.json"
    static let eventsPath = SharedFixtures.root + "/corpus/v1/events.jsonl"

    /// The corpus lines (values), without their newline: line n is index n − 1.
    static func corpusLines() throws -> [[UInt8]] {
        try SharedFixtures.lines("corpus/v1/events.jsonl").map { Array($0) }
    }

    /// Expected verdict per line (index n − 1), from `expected-verdicts.jsonl`.
    static func expectedVerdicts() throws -> [String] {
        try SharedFixtures.lines("corpus/v1/expected-verdicts.jsonl").map { data in
            let o = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            guard let v = o?["verdict"] as? String else { throw Malformed(what: "expected-verdicts line") }
            return v
        }
    }

    /// `expected-counts.csv` as cell key `window_start_ms,scenario,district,verdict` → count.
    static func expectedCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for line in try SharedFixtures.lines("corpus/v1/expected-counts.csv").dropFirst() {
            let s = String(decoding: line, as: UTF8.self)
            guard let comma = s.lastIndex(of: ","), let n = Int(s[s.index(after: comma)...]) else {
                throw Malformed(what: "expected-counts line \(s)")
            }
            out[String(s[..<comma]), default: 0] += n
        }
        return out
    }

    struct Malformed: Error, CustomStringConvertible {
        let what: String
        var description: String { "malformed \(what)" }
    }

    // MARK: bounded waits

    struct Timeout: Error, CustomStringConvertible {
        let what: String
        let seconds: Double
        var description: String { "timed out after \(seconds) s: \(what)" }
    }

    /// Resumes a continuation once, whichever of the work and the timer ends first.
    private final class Once<T: Sendable>: Sendable {
        private let continuation: Mutex<CheckedContinuation<T, any Error>?>
        init(_ c: CheckedContinuation<T, any Error>) { continuation = Mutex(c) }
        @discardableResult
        func resume(_ r: Result<T, any Error>) -> Bool {
            guard let c = continuation.withLock({ c -> CheckedContinuation<T, any Error>? in
                let old = c
                c = nil
                return old
            }) else { return false }
            c.resume(with: r)
            return true
        }
    }

    /// Runs `body`, throwing ``Timeout`` after `seconds` even when `body`
    /// ignores cancellation (it is cancelled and left behind), so a hang fails the test.
    static func bounded<T: Sendable>(_ seconds: Double, _ what: String,
                                     _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let once = Once(c)
            let work = Task {
                do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: .seconds(seconds))
                if once.resume(.failure(Timeout(what: what, seconds: seconds))) { work.cancel() }
            }
        }
    }

    /// Polls `condition` every 50 ms; throws ``Timeout`` after `seconds`.
    static func waitUntil(_ seconds: Double, _ what: String, _ condition: @escaping @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !condition() {
            if ContinuousClock.now >= deadline { throw Timeout(what: what, seconds: seconds) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: producing the corpus

    /// Produces `lines[range]` with our `KafkaProducer` (idempotent, so in
    /// order per partition); `partition(i)` picks line i's partition.
    static func produce(_ lines: [[UInt8]], range: Range<Int>, cluster: EmbeddedKafkaCluster, topic: String,
                        partition: @Sendable (Int) -> Int32) async throws {
        var config = KafkaProducerConfiguration(bootstrapServers: cluster.bootstrapServers)
        config.lingerMs = 2
        let producer = try KafkaProducer(configuration: config, logger: logger)
        let messages = range.map { KafkaProducerMessage(topic: topic, partition: partition($0), value: lines[$0]) }
        try await bounded(30, "producing \(range.count) corpus lines") {
            try await producer.sendBatch(messages)
            try await producer.close()
        }
    }

    /// Produces the whole corpus file in order to partition 0 of `topic` with
    /// `kcat -P` (one record per line, from stdin). Returns kcat's exit status.
    static func produceWithKcat(cluster: EmbeddedKafkaCluster, topic: String) async throws -> Int32 {
        let input = String(decoding: try SharedFixtures.data("corpus/v1/events.jsonl"), as: UTF8.self)
        let bootstrap = cluster.bootstrapServers
        return try await bounded(60, "kcat -P") {
            try KafkaTestSupport.kcat(["-b", bootstrap, "-P", "-t", topic, "-p", "0",
                                       "-X", "enable.idempotence=true"], input: input).status
        }
    }

    // MARK: running a pipeline

    /// A pipeline running in its own `ServiceGroup` (no signals), stopped by
    /// graceful shutdown.
    final class Running: Sendable {
        let pipeline: Pipeline
        let live: LiveState
        let group: ServiceGroup
        let task: Task<Void, any Error>
        private let ended: EndFlag
        /// Set once `run()` returned.
        final class EndFlag: Sendable { let value = Atomic<Bool>(false) }

        /// Starts a pipeline on `cluster` in consumer group `groupID`.
        convenience init(cluster: EmbeddedKafkaCluster, groupID: String, topic: String = "ykm.scans",
                         countsTopic: String = "ykm.counts.1m", rejectedTopic: String = "ykm.scans.rejected",
                         processorID: String, store: any StateStore = InMemoryStateStore(),
                         idleTimeoutMs: Int64 = 2_000, keysPath: String = PipelineTestSupport.keysPath,
                         logger: Logger = PipelineTestSupport.logger) throws {
            try self.init(brokers: cluster.bootstrapServers, groupID: groupID, topic: topic, countsTopic: countsTopic,
                          rejectedTopic: rejectedTopic, processorID: processorID, store: store,
                          idleTimeoutMs: idleTimeoutMs, keysPath: keysPath, logger: logger)
        }

        /// Starts a pipeline on the brokers `brokers` (`host:port,…`, possibly unreachable)
        /// in consumer group `groupID`, logging to `logger`.
        init(brokers: String, groupID: String, topic: String = "ykm.scans",
             countsTopic: String = "ykm.counts.1m", rejectedTopic: String = "ykm.scans.rejected",
             processorID: String, store: any StateStore = InMemoryStateStore(),
             idleTimeoutMs: Int64 = 2_000, keysPath: String = PipelineTestSupport.keysPath,
             logger: Logger = PipelineTestSupport.logger) throws {
            var c = PipelineConfiguration()
            c.brokers = brokers
            c.groupID = groupID
            c.topics = [topic]
            c.countsTopic = countsTopic
            c.rejectedTopic = rejectedTopic
            c.keysPath = keysPath
            // Spec §7: once a partition is caught up and idle for 2 s, its watermark follows
            // the wall clock and closes every (days old) corpus window.
            c.idleTimeoutMs = idleTimeoutMs
            c.workers = 2
            c.summaryIntervalS = 0
            c.processorID = processorID
            try c.validate()
            let registry = try KeyRegistry(contentsOfFile: keysPath)
            live = LiveState()
            pipeline = Pipeline(configuration: c, registry: registry, reference: .embedded, store: store, live: live,
                                metrics: nil, logger: logger)
            group = ServiceGroup(services: [pipeline], logger: logger)
            let g = group
            let ended = EndFlag()
            self.ended = ended
            task = Task {
                defer { ended.value.store(true, ordering: .relaxed) }
                try await g.run()
            }
        }

        /// Whether the pipeline's `run()` returned (shut down, or failed on its own).
        var hasEnded: Bool { ended.value.load(ordering: .relaxed) }

        /// Events judged so far (live totals, published at most every 0.5 s and on every tick).
        var events: UInt64 { live.snapshot.totals.events }

        /// Partitions this instance holds now, with their next offsets.
        var partitions: [LivePartition] { live.snapshot.partitions }

        /// Triggers graceful shutdown and waits (bounded) until `run()` returned.
        /// Runs `body`, then stops the pipeline gracefully; if `body` throws, stops it (a
        /// failed stop is ignored then) and rethrows `body`'s error.
        func stopping<T>(after body: () async throws -> T) async throws -> T {
            let value: T
            do { value = try await body() } catch {
                try? await stop()
                throw error
            }
            try await stop()
            return value
        }

        func stop(timeout: Double = 30) async throws {
            let g = group
            let t = task
            try await PipelineTestSupport.bounded(timeout, "graceful shutdown of a pipeline") {
                await g.triggerGracefulShutdown()
                try await t.value
            }
        }
    }

    /// Waits until every partition the instances hold has a watermark past `throughMs`
    /// (ms since the epoch): every window up to it is closed and emitted.
    static func waitUntilClosed(_ instances: [Running], throughMs: Int64, seconds: Double) async throws {
        try await waitUntil(seconds, "every held partition's watermark passing \(throughMs)") {
            let ps = instances.flatMap(\.partitions)
            return !ps.isEmpty && ps.allSatisfy { ($0.watermarkMs ?? .min) >= throughMs }
        }
    }

    /// End of the newest window of `expected-counts.csv`, ms since the epoch.
    static func corpusEndMs() throws -> Int64 {
        try expectedCounts().keys.compactMap { Int64($0.split(separator: ",")[0]) }.max()! + 60_000
    }

    /// Waits until the instances together hold every partition of `ends`
    /// (partition → log end offset) with their next offset at its end.
    static func waitUntilProcessed(_ instances: [Running], ends: [Int32: Int64], seconds: Double) async throws {
        try await waitUntil(seconds, "pipelines reaching the log end offsets \(ends)") {
            var next: [Int32: Int64] = [:]
            for r in instances {
                for p in r.partitions { if let n = p.nextOffset { next[p.partition] = max(next[p.partition] ?? 0, n) } }
            }
            return ends.allSatisfy { p, end in end == 0 || next[p] == end }
        }
    }

    // MARK: reading outputs

    /// One record read back from an output topic.
    struct OutputRecord: Sendable {
        let partition: Int32
        let offset: Int64
        let key: [UInt8]?
        let value: [UInt8]
        let headers: [String: String]
        /// Whether the value is null (``value`` is then empty).
        var isNullValue = false
        /// The headers as read, in wire order, binary values and null values intact.
        var rawHeaders: [KafkaHeader] = []
    }

    /// Every record of `topic` (all `partitions`), read with a fresh
    /// `KafkaConsumer` in a unique group until each partition's log end offset.
    static func readAll(_ cluster: EmbeddedKafkaCluster, topic: String, partitions: Int32) async throws -> [OutputRecord] {
        let ends = try RawKafka(cluster.bootstrapServers, group: "reader").logEndOffsets(topic: topic, partitions: partitions)
        if ends.values.allSatisfy({ $0 == 0 }) { return [] }
        var config = KafkaConsumerConfiguration(bootstrapServers: cluster.bootstrapServers,
                                                groupID: "reader-\(topic)-\(UUID().uuidString)",
                                                subscription: .topics([topic]))
        config.sessionTimeoutMs = 6000
        config.heartbeatIntervalMs = 200
        config.enableAutoCommit = false
        let consumer = try KafkaConsumer(configuration: config, logger: logger)
        let records = try await bounded(30, "reading \(topic) to its end offsets \(ends)") {
            var out: [OutputRecord] = []
            var next: [Int32: Int64] = [:]
            loop: for try await event in consumer.events {
                guard case .batch(let batch) = event else { continue }
                for r in batch {
                    var headers: [String: String] = [:]
                    for h in r.headers { headers[h.name] = h.value.map { String(decoding: $0, as: UTF8.self) } }
                    out.append(OutputRecord(partition: r.partition, offset: r.offset, key: r.key.map(Array.init),
                                            value: Array(r.value), headers: headers, isNullValue: r.isNullValue,
                                            rawHeaders: Array(r.headers)))
                    next[r.partition] = r.offset + 1
                }
                if ends.allSatisfy({ p, end in end == 0 || (next[p] ?? 0) >= end }) { break loop }
            }
            return out
        }
        try await bounded(15, "closing the reader of \(topic)") { try await consumer.close() }
        return records
    }

    /// Counts records summed per cell `window_start_ms,scenario,district,verdict`
    /// (zero cells left out), and the late events and non-`on_time` records seen.
    struct CountSums: Equatable, Sendable {
        var cells: [String: Int] = [:]
        var late = 0
        var lateRecords = 0
        var records = 0
        var closedBy: [String: Int] = [:]
    }

    static func sumCounts(_ records: [OutputRecord]) throws -> CountSums {
        var s = CountSums()
        for r in records {
            guard let o = try JSONSerialization.jsonObject(with: Data(r.value)) as? [String: Any],
                  let window = o["window_start_ms"] as? Int, let scenario = o["scenario"] as? String,
                  let district = o["district"] as? String, let counts = o["counts"] as? [String: Int],
                  let late = o["late"] as? Int, let kind = o["kind"] as? String
            else { throw Malformed(what: "counts record \(String(decoding: r.value, as: UTF8.self))") }
            s.records += 1
            s.late += late
            if kind != "on_time" { s.lateRecords += 1 }
            if let closedBy = o["closed_by"] as? String { s.closedBy[closedBy, default: 0] += 1 }
            for (verdict, n) in counts where n != 0 {
                s.cells["\(window),\(scenario),\(district),\(verdict)", default: 0] += n
            }
        }
        return s
    }

    /// Differences between two cell maps, for a readable failure message (first 10).
    static func diff(_ got: [String: Int], _ expected: [String: Int]) -> [String] {
        var out: [String] = []
        for k in Set(got.keys).union(expected.keys).sorted() where got[k] != expected[k] {
            out.append("\(k): got \(got[k] ?? 0), expected \(expected[k] ?? 0)")
            if out.count == 10 { break }
        }
        return out
    }
}

/// A bare librdkafka consumer handle (never subscribed) for offset queries:
/// log end offsets (`rd_kafka_query_watermark_offsets`) and a group's
/// committed offsets (`rd_kafka_committed`, an OffsetFetch to the coordinator).
final class RawKafka {
    private let rk: OpaquePointer

    init(_ bootstrap: String, group: String) throws {
        let conf = rd_kafka_conf_new()
        var err = [CChar](repeating: 0, count: 512)
        for (k, v) in [("bootstrap.servers", bootstrap), ("group.id", group), ("enable.auto.commit", "false")] {
            guard rd_kafka_conf_set(conf, k, v, &err, err.count) == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw PipelineTestSupport.Malformed(what: "librdkafka property \(k)")
            }
        }
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &err, err.count) else {
            throw PipelineTestSupport.Malformed(what: "rd_kafka_new: \(String(cString: err))")
        }
        self.rk = rk
    }

    deinit {
        rd_kafka_destroy(rk)
    }

    /// Log end offset (high watermark) per partition `0..<partitions` of `topic`.
    func logEndOffsets(topic: String, partitions: Int32) throws -> [Int32: Int64] {
        var out: [Int32: Int64] = [:]
        for p in 0..<partitions {
            var low: Int64 = -1, high: Int64 = -1
            let e = rd_kafka_query_watermark_offsets(rk, topic, p, &low, &high, 10_000)
            guard e == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(e) }
            out[p] = high
        }
        return out
    }

    /// The group's committed offset per partition `0..<partitions` of `topic`
    /// (−1001, `RD_KAFKA_OFFSET_INVALID`, where nothing was committed).
    func committedOffsets(topic: String, partitions: Int32) throws -> [Int32: Int64] {
        guard let list = rd_kafka_topic_partition_list_new(partitions) else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for p in 0..<partitions { _ = rd_kafka_topic_partition_list_add(list, topic, p) }
        let e = rd_kafka_committed(rk, list, 10_000)
        guard e == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(e) }
        var out: [Int32: Int64] = [:]
        for i in 0..<Int(list.pointee.cnt) {
            let elem = list.pointee.elems[i]
            guard elem.err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(elem.err) }
            out[elem.partition] = elem.offset
        }
        return out
    }
}
