import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import Logging
import StreamProc

/// `streamproc run` (the default command): the main job.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume scan events, verify them on all cores, count windows, publish outputs and serve the live view.",
        discussion: """
            Without --brokers (or STREAMPROC_BROKERS) it starts librdkafka's mock cluster in-process and a \
            built-in load generator, and prints the dashboard address. Every flag has an environment twin: \
            STREAMPROC_ followed by the flag's name in capitals with _ for - (e.g. STREAMPROC_ALLOWED_LATENESS_MS). \
            Flags win over the environment. SIGHUP reloads --keys; SIGINT/SIGTERM shut down gracefully, a \
            second one exits at once.
            """)

    @Option(help: "Kafka bootstrap servers host:port,…; none: the embedded mock cluster.") var brokers: String?
    @Option(help: "Input topics, comma-separated; one ^regex subscribes by pattern. Default ykm.scans.") var topics: String?
    @Option(help: "Consumer group id. Default streamproc.") var group: String?
    @Option(help: "Key registry file (spec §4); required with --brokers.") var keys: String?
    @Option(help: "Counts output topic. Default ykm.counts.1m.") var countsTopic: String?
    @Option(help: "Rejected output topic. Default ykm.scans.rejected.") var rejectedTopic: String?
    @Option(help: "Replacement scenarios.csv.") var scenarios: String?
    @Option(help: "Replacement districts.csv.") var districts: String?
    @Option(help: "Live view address HOST:PORT. Default 127.0.0.1:8080 (loopback only).") var http: String?
    @Option(help: "Bearer tokens of the live view, one per line; required for a non-loopback --http.") var httpTokenFile: String?
    @Flag(help: "Serve a non-loopback --http without tokens (a loud warning).") var httpInsecure = false
    @Flag(help: "Run even when the --keys registry has no keys (every event is then unknown_key).") var allowEmptyKeys = false
    @Option(help: "Allowed lateness of the watermark, ms. Default 120000 (10000 in the embedded default).") var allowedLatenessMs: String?
    @Option(help: "Idle partitions follow the wall clock after this long, ms. Default 30000.") var idleTimeoutMs: String?
    @Option(help: "Allowed clock skew for not_yet_valid/expired, ms (0…300000). Default 30000.") var clockSkewMs: String?
    @Option(help: "Duplicate horizon (rule 7), ms. Default 600000.") var duplicateHorizonMs: String?
    @Option(help: "Exactly-once state store postgres://user[:password]@host:port/db (default: in memory, this process only).") var store: String?
    @Option(help: "Commit interval of the state store, ms. Default 1000.") var commitIntervalMs: String?
    @Option(help: "librdkafka properties file (SASL, TLS …) for every Kafka client; secrets never logged.") var kafkaConfig: String?
    @Option(help: "Topic of pseudonymous verified events (one per valid event); default off.") var verifiedTopic: String?
    @Option(help: "HMAC-SM3 pseudonym key file {\"kid\":…,\"key\":\"hex\"}, required with --verified-topic.") var pseudonymKeyFile: String?
    @Option(help: "Exit non-zero when output records wait longer than this for the brokers, ms. Default 300000.") var deliveryTimeoutMs: String?
    @Option(help: "Verification workers per batch. Default: the number of cores.") var workers: String?
    @Option(help: "Largest batch from the consumer, records. Default 2000 (500 in the embedded default).") var maxBatch: String?
    @Option(help: "Embedded load generator rate, events/s. Default 1000.") var loadRate: String?
    @Option(help: "Partitions per topic in the embedded cluster. Default 4.") var partitions: String?
    @Option(help: "Terminal summary interval, s (0: off). Default 5.") var summaryS: String?
    @Option(help: "This instance's id in output records. Default hostname-pid.") var processorId: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. Default info.") var logLevel: String?

    /// `--max-batch` of the embedded default: the live view shows counts after the first
    /// batch, so a smaller batch shows them sooner after the group join.
    static let embeddedMaxBatch = 500

    func run() async throws {
        let mallocTuned = MallocTuning.apply(cores: ProcessInfo.processInfo.activeProcessorCount)
        let env = ProcessInfo.processInfo.environment
        func value(_ flag: String?, _ name: String) -> String? {
            flag ?? env["STREAMPROC_" + name]
        }
        func number<T: LosslessStringConvertible>(_ flag: String?, _ name: String, _ target: inout T) throws {
            guard let s = value(flag, name) else { return }
            guard let v = T(s) else {
                throw ValidationError("--\(name.lowercased().replacingOccurrences(of: "_", with: "-")) (STREAMPROC_\(name)): not a number: \(s)")
            }
            target = v
        }
        var c = PipelineConfiguration()
        c.brokers = value(brokers, "BROKERS")
        if let t = value(topics, "TOPICS") { c.topics = t.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        c.groupID = value(group, "GROUP") ?? c.groupID
        c.keysPath = value(keys, "KEYS")
        c.countsTopic = value(countsTopic, "COUNTS_TOPIC") ?? c.countsTopic
        c.rejectedTopic = value(rejectedTopic, "REJECTED_TOPIC") ?? c.rejectedTopic
        c.scenariosPath = value(scenarios, "SCENARIOS")
        c.districtsPath = value(districts, "DISTRICTS")
        c.http = value(http, "HTTP") ?? c.http
        c.httpTokenFile = value(httpTokenFile, "HTTP_TOKEN_FILE")
        c.httpInsecure = httpInsecure || ["1", "true", "yes"].contains(env["STREAMPROC_HTTP_INSECURE"]?.lowercased() ?? "")
        c.allowEmptyRegistry = allowEmptyKeys || ["1", "true", "yes"].contains(env["STREAMPROC_ALLOW_EMPTY_KEYS"]?.lowercased() ?? "")
        c.processorID = value(processorId, "PROCESSOR_ID") ?? c.processorID
        c.store = value(store, "STORE")
        c.kafkaConfigPath = value(kafkaConfig, "KAFKA_CONFIG")
        c.verifiedTopic = value(verifiedTopic, "VERIFIED_TOPIC")
        c.pseudonymKeyPath = value(pseudonymKeyFile, "PSEUDONYM_KEY_FILE")
        if c.isEmbedded {
            // The built-in generator's disorder is at most 2 s: close windows sooner so the
            // dashboard fills within seconds. A flag or STREAMPROC_ALLOWED_LATENESS_MS still wins.
            c.allowedLatenessMs = PipelineConfiguration.embeddedAllowedLatenessMs
            // The generator's backlog at the group join comes in batches of this size; the live
            // view is published after each batch, so the first counts show after 500 events
            // are judged, not 2000 (seconds in a debug build). --max-batch still wins.
            c.maxBatch = Self.embeddedMaxBatch
        }
        try number(allowedLatenessMs, "ALLOWED_LATENESS_MS", &c.allowedLatenessMs)
        try number(idleTimeoutMs, "IDLE_TIMEOUT_MS", &c.idleTimeoutMs)
        try number(clockSkewMs, "CLOCK_SKEW_MS", &c.policy.clockSkewMs)
        try number(duplicateHorizonMs, "DUPLICATE_HORIZON_MS", &c.policy.duplicateHorizonMs)
        try number(commitIntervalMs, "COMMIT_INTERVAL_MS", &c.commitIntervalMs)
        try number(deliveryTimeoutMs, "DELIVERY_TIMEOUT_MS", &c.deliveryTimeoutMs)
        try number(workers, "WORKERS", &c.workers)
        try number(maxBatch, "MAX_BATCH", &c.maxBatch)
        var demo = EmbeddedDemo.Configuration()
        try number(loadRate, "LOAD_RATE", &demo.loadRate)
        try number(partitions, "PARTITIONS", &demo.partitions)
        try number(summaryS, "SUMMARY_S", &c.summaryIntervalS)
        let levelName = value(logLevel, "LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("--log-level (STREAMPROC_LOG_LEVEL): unknown level \(levelName)")
        }
        let embedded = c.isEmbedded
        if embedded { c.registryProvided = true }
        do { try c.validate() } catch let e as ConfigurationError { throw ValidationError(e.message) }
        do { try demo.validate() } catch { throw ValidationError(error.message) }
        var logger = Logger(label: "streamproc")
        logger.logLevel = level
        logger.info(mallocTuned
            ? "glibc malloc: mmap and trim thresholds \(MallocTuning.mmapThresholdBytes) B, \(MallocTuning.arenasPerCore) arenas per core"
            : "glibc malloc: left to the environment (MALLOC_* or GLIBC_TUNABLES is set)")
        // The live view's address must be free before anything starts (a clear error, not
        // a bind failure after the cluster and the pipeline came up).
        try ListenCheck.require(c.http)
        do {
            try await runJob(c, embedded: embedded, demo: demo, logger: logger)
        } catch let e as ConfigurationError {
            throw ValidationError(e.message)
        } catch is CancellationError {
            return
        } catch {
            // A runtime failure: one line, exit status 1, no usage text (README, "Exit status").
            FileHandle.standardError.write(Data("streamproc: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func runJob(_ input: PipelineConfiguration, embedded: Bool, demo: EmbeddedDemo.Configuration,
                        logger: Logger) async throws {
        var c = input
        guard embedded else {
            try await MainJob.run(configuration: c, logger: logger)
            return
        }
        // The embedded default: mock cluster, generated registry and load generator at the edge.
        let embeddedDemo = try EmbeddedDemo(configuration: demo, inputTopic: c.topics[0], countsTopic: c.countsTopic,
                                            rejectedTopic: c.rejectedTopic, startedAtMs: WallClock.nowMs(), logger: logger)
        defer { embeddedDemo.stop() }
        c.brokers = embeddedDemo.cluster.bootstrapServers
        // The mock broker holds an empty fetch for the whole fetch.wait.max.ms (500 ms):
        // keep the live view's latency low (a real broker answers as data arrives).
        if c.consumerExtra["fetch.wait.max.ms"] == nil { c.consumerExtra["fetch.wait.max.ms"] = "10" }
        Console.line("streamproc: " + embeddedDemo.banner)
        try await MainJob.run(configuration: c, registry: embeddedDemo.registry, services: [embeddedDemo.load], logger: logger)
    }
}
