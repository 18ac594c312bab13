import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation
import StateStore
#if canImport(Glibc)
import Glibc
#endif

/// Everything `streamproc run` needs, resolved from flags, then
/// `STREAMPROC_*` environment variables, then defaults, and validated before
/// anything starts (``validate()``).
public struct PipelineConfiguration: Sendable {
    /// Kafka bootstrap servers (`host:port,…`). Env `STREAMPROC_BROKERS`. `nil` means the
    /// caller (the `streamproc` executable) provides an embedded cluster and sets this
    /// before ``MainJob/run(configuration:registry:services:logger:)``.
    public var brokers: String?
    /// Input topics; one entry starting with `^` is a regex subscription
    /// (librdkafka syntax). Env `STREAMPROC_TOPICS` (comma-separated). Default `ykm.scans` (spec §1).
    public var topics: [String] = ["ykm.scans"]
    /// Consumer group id. Env `STREAMPROC_GROUP`. Default `streamproc`.
    public var groupID: String = "streamproc"
    /// Output topic of closed one-minute window cells. Env `STREAMPROC_COUNTS_TOPIC`.
    public var countsTopic: String = "ykm.counts.1m"
    /// Output topic of every non-valid record (late and unattributed ones too). Env `STREAMPROC_REJECTED_TOPIC`.
    public var rejectedTopic: String = "ykm.scans.rejected"
    /// Key registry file (spec §4); required with `brokers`. Env `STREAMPROC_KEYS`.
    public var keysPath: String?
    /// Replacement `scenarios.csv`; `nil` uses the embedded table. Env `STREAMPROC_SCENARIOS`.
    public var scenariosPath: String?
    /// Replacement `districts.csv`; `nil` uses the embedded table. Env `STREAMPROC_DISTRICTS`.
    public var districtsPath: String?
    /// HTTP listen address `HOST:PORT` of the live view; loopback unless asked. Env `STREAMPROC_HTTP`.
    public var http: String = "127.0.0.1:8080"
    /// Bearer tokens of the live view, one per line (required to bind a non-loopback
    /// address unless ``httpInsecure``). Env `STREAMPROC_HTTP_TOKEN_FILE`.
    public var httpTokenFile: String?
    /// Serve a non-loopback address without tokens (logs a loud warning). Env `STREAMPROC_HTTP_INSECURE`.
    public var httpInsecure = false
    /// Allowed lateness of the watermark, milliseconds (spec §7: 2 min). Env `STREAMPROC_ALLOWED_LATENESS_MS`.
    public var allowedLatenessMs: Int64 = 120_000
    /// Allowed lateness the embedded default uses unless told otherwise, ms: its
    /// load generator's disorder is at most 2 s, so windows may close after 10 s.
    public static let embeddedAllowedLatenessMs: Int64 = 10_000
    /// Wall-clock time after which an idle partition's watermark advances
    /// with the wall clock, milliseconds (default 30 s). Env `STREAMPROC_IDLE_TIMEOUT_MS`.
    public var idleTimeoutMs: Int64 = 30_000
    /// The exactly-once state store, `postgres://user[:password]@host:port/db[?sslmode=…]`
    /// (issue 10); `nil` keeps state in memory for this process only (the embedded default;
    /// with real brokers counts are then at-least-once, and a warning says so). Requires
    /// ``brokers`` (``validate()``). Env `STREAMPROC_STORE`.
    public var store: String?
    /// How often each partition with progress commits its state, offsets and closed panes
    /// to the store, milliseconds (default 1 000). Env `STREAMPROC_COMMIT_INTERVAL_MS`.
    public var commitIntervalMs: Int64 = 1_000
    /// How long output records may wait for the brokers (e.g. during an outage) before the
    /// processor gives up and exits non-zero, milliseconds (librdkafka `message.timeout.ms`;
    /// default 5 min). Env `STREAMPROC_DELIVERY_TIMEOUT_MS`.
    public var deliveryTimeoutMs: Int = 300_000
    /// librdkafka properties file for secured clusters (SASL, TLS; issue 13), applied to every
    /// consumer and producer after the processor's own settings. Env `STREAMPROC_KAFKA_CONFIG`.
    public var kafkaConfigPath: String?
    /// The parsed and validated ``kafkaConfigPath`` (set by ``validate()``).
    public var kafkaProperties = KafkaClientProperties()
    /// Topic of the pseudonymous verified events (one record per `valid` event); `nil`: off.
    /// Env `STREAMPROC_VERIFIED_TOPIC`.
    public var verifiedTopic: String?
    /// Pseudonym key file `{"kid":…,"key":"hex"}` (HMAC-SM3), required with ``verifiedTopic``.
    /// Env `STREAMPROC_PSEUDONYM_KEY_FILE`.
    public var pseudonymKeyPath: String?
    /// Rules 1, 5–7 tunables (spec §5).
    public var policy = VerificationPolicy()
    /// Verification workers per batch; default: the active processor count. Env `STREAMPROC_WORKERS`.
    public var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Largest batch handed from the poll thread, records. Env `STREAMPROC_MAX_BATCH`. A
    /// batch reaches this size only while the pipeline is busy; a waiting pipeline gets what
    /// has arrived at once (``KafkaConsumerConfiguration/maxBatchSize``).
    public var maxBatch: Int = 2_000
    /// Interval of the terminal summary, seconds (0 turns it off). Env `STREAMPROC_SUMMARY_S`.
    public var summaryIntervalS: Double = 5
    /// This instance's id in output records; default `hostname-pid`. Env `STREAMPROC_PROCESSOR_ID`.
    public var processorID: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"

    /// Raw librdkafka properties for the input consumer, applied last (e.g.
    /// `fetch.wait.max.ms`; `bench run` lowers it against the mock cluster, whose
    /// broker holds an empty fetch for the full wait). Default none.
    public var consumerExtra: [String: String] = [:]

    /// Whether the caller passes the key registry itself (the embedded default), so
    /// `keysPath` is not required.
    public var registryProvided = false

    /// Run with a key registry that has no keys (every event is then `unknown_key`);
    /// without it an empty registry is a configuration error at start (exit 64), since it is
    /// almost always a wrong file. Env `STREAMPROC_ALLOW_EMPTY_KEYS`.
    public var allowEmptyRegistry = false

    /// Largest accepted ``VerificationPolicy/clockSkewMs`` (`--clock-skew-ms`), ms: the
    /// `clock_ahead` tolerance (spec §5, 5 min). A larger skew would accept codes long expired
    /// or not yet issued and let a replayed code move event time that far (spec §7).
    public static let maxClockSkewMs: Int64 = 300_000

    /// The defaults.
    public init() {}

    /// Whether no brokers were given (the executable then runs the embedded cluster and load generator).
    public var isEmbedded: Bool { brokers == nil }

    /// Checks every field; the message names the flag and environment variable.
    /// - Throws: ``ConfigurationError`` for the first problem found.
    public mutating func validate() throws {
        func fail(_ s: String) throws -> Never { throw ConfigurationError(message: s) }
        if let b = brokers, b.isEmpty { try fail("--brokers (STREAMPROC_BROKERS) is empty") }
        if topics.isEmpty || topics.contains(where: \.isEmpty) { try fail("--topics (STREAMPROC_TOPICS) needs at least one non-empty topic") }
        for t in topics where t.hasPrefix("^") {
            if topics.count > 1 { try fail("--topics (STREAMPROC_TOPICS): a ^regex subscription (\(t)) must be the only entry") }
            if let problem = Self.regexProblem(t) { try fail("--topics (STREAMPROC_TOPICS): bad regex \(t): \(problem)") }
        }
        if groupID.isEmpty { try fail("--group (STREAMPROC_GROUP) is empty") }
        // The embedded mock cluster starts empty on every run: a durable store's offsets would
        // point into a log that no longer exists, and the next run would skip its first events.
        if brokers == nil && store != nil {
            try fail("--store (STREAMPROC_STORE) needs --brokers: the embedded mock cluster starts empty on every run, so offsets kept in the store would not match it (for a demo cluster that outlives restarts, run `streamproc mock-broker` and pass its address as --brokers)")
        }
        if countsTopic.isEmpty || rejectedTopic.isEmpty { try fail("output topics must not be empty") }
        if brokers != nil && keysPath == nil && !registryProvided { try fail("--keys (STREAMPROC_KEYS) is required with --brokers: the key registry file (spec §4)") }
        for (flag, path) in [("--keys", keysPath), ("--scenarios", scenariosPath), ("--districts", districtsPath)] {
            if let p = path, let problem = FileBytes.problem(reading: p) {
                let env = "STREAMPROC_" + flag.dropFirst(2).uppercased().replacingOccurrences(of: "-", with: "_")
                try fail("\(flag) (\(env)): \(problem)")
            }
        }
        do { _ = try HTTPServerConfiguration(parsing: http, tokenFile: httpTokenFile, insecure: httpInsecure) } catch {
            switch error {
            case .missingPort, .badPort, .badHost: try fail("--http (STREAMPROC_HTTP): \(error)")
            default: try fail("\(error)")  // names --http-token-file / --http-insecure itself
            }
        }
        if allowedLatenessMs < 0 { try fail("--allowed-lateness-ms (STREAMPROC_ALLOWED_LATENESS_MS): \(allowedLatenessMs) is negative; want milliseconds ≥ 0") }
        if !(0...Self.maxClockSkewMs).contains(policy.clockSkewMs) {
            try fail("--clock-skew-ms (STREAMPROC_CLOCK_SKEW_MS): \(policy.clockSkewMs) is not in 0…\(Self.maxClockSkewMs) ms")
        }
        if idleTimeoutMs <= 0 { try fail("--idle-timeout-ms (STREAMPROC_IDLE_TIMEOUT_MS): \(idleTimeoutMs); want milliseconds > 0") }
        if !(1...256).contains(workers) { try fail("--workers (STREAMPROC_WORKERS): \(workers); want 1…256") }
        if !(1...100_000).contains(maxBatch) { try fail("--max-batch (STREAMPROC_MAX_BATCH): \(maxBatch); want 1…100000 records") }
        if !(10...600_000).contains(commitIntervalMs) { try fail("--commit-interval-ms (STREAMPROC_COMMIT_INTERVAL_MS): \(commitIntervalMs) is not in 10…600000 ms") }
        if !(1_000...3_600_000).contains(deliveryTimeoutMs) { try fail("--delivery-timeout-ms (STREAMPROC_DELIVERY_TIMEOUT_MS): \(deliveryTimeoutMs) is not in 1000…3600000 ms") }
        if let path = kafkaConfigPath {
            do {
                let props = try KafkaClientProperties(contentsOfFile: path)
                try props.validate()
                kafkaProperties = props
            } catch { try fail("--kafka-config (STREAMPROC_KAFKA_CONFIG): \(error)") }
        }
        if verifiedTopic != nil {
            guard let path = pseudonymKeyPath else {
                try fail("--verified-topic (STREAMPROC_VERIFIED_TOPIC) needs --pseudonym-key-file (STREAMPROC_PSEUDONYM_KEY_FILE): the HMAC-SM3 key of the subject pseudonyms")
            }
            do { _ = try PseudonymKey(contentsOfFile: path) } catch {
                try fail("--pseudonym-key-file (STREAMPROC_PSEUDONYM_KEY_FILE): \(error)")
            }
        }
        if let url = store {
            do { _ = try StoreLocation(parsing: url) } catch {
                try fail("--store (STREAMPROC_STORE): \(error)")
            }
        }
        if summaryIntervalS < 0 { try fail("--summary-s (STREAMPROC_SUMMARY_S): \(summaryIntervalS); want seconds ≥ 0") }
    }
}

extension PipelineConfiguration {
    /// Why librdkafka would refuse `pattern` as a regex subscription, or `nil` when it compiles.
    /// librdkafka (built with the system regex) compiles it with POSIX `regcomp`
    /// (`REG_EXTENDED | REG_NOSUB`), as here. Thread-safe.
    static func regexProblem(_ pattern: String) -> String? {
        var re = regex_t()
        let rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB)
        guard rc != 0 else {
            regfree(&re)
            return nil
        }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = regerror(rc, &re, &buffer, buffer.count)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// A configuration problem, reported at start with a non-zero exit.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// What is wrong, naming the flag and environment variable.
    public let message: String
    public var description: String { message }
}
