import Aggregates
import KafkaIO
import LiveView
import ScanRules
import StateStore
import Foundation
import Logging
import ServiceLifecycle

/// `streamproc run`: wires the pipeline, the HTTP live view, the terminal
/// summary and the caller's extra services (the executable's load generator in
/// the embedded default) into one service group with graceful shutdown.
public enum MainJob {
    /// Runs until SIGINT/SIGTERM (graceful: stop fetching, drain, flush,
    /// commit, close); a second signal exits at once with status 130.
    /// SIGHUP reloads the key registry from `--keys` (a bad file keeps the old
    /// registry and logs why).
    /// - Parameters:
    ///   - configuration: with `brokers` set.
    ///   - registry: the key registry; `nil` loads `keysPath` (and SIGHUP reloads it).
    ///   - services: extra services run in the same group, shut down first (e.g. a load generator).
    /// - Throws: ``ConfigurationError`` for a bad configuration, registry or
    ///   reference-data errors at start, ``KafkaError`` from the clients.
    public static func run(configuration input: PipelineConfiguration, registry: KeyRegistry? = nil,
                           services: [any Service] = [], logger: Logger) async throws {
        var configuration = input
        try configuration.validate()
        let reference: ReferenceData
        do {
            reference = try ReferenceData(scenariosFile: configuration.scenariosPath,
                                          districtsFile: configuration.districtsPath)
        } catch {
            throw ConfigurationError(message: "--scenarios/--districts (STREAMPROC_SCENARIOS/STREAMPROC_DISTRICTS): \(error)")
        }
        let http = try HTTPServerConfiguration(parsing: configuration.http, tokenFile: configuration.httpTokenFile,
                                               insecure: configuration.httpInsecure)
        if let w = http.insecureWarning { Console.line("streamproc: WARNING \(w)") }
        let startedAt = WallClock.nowMs()
        let metrics = StreamProcMetrics(startTimeMs: startedAt)
        let live = LiveState(startedAtMs: startedAt)

        guard configuration.brokers != nil else {
            throw ConfigurationError(message: "--brokers (STREAMPROC_BROKERS) is required here: the executable starts the embedded cluster")
        }
        let keyRegistry: KeyRegistry
        if let given = registry {
            keyRegistry = given
        } else {
            do { keyRegistry = try KeyRegistry(contentsOfFile: configuration.keysPath!) } catch {
                throw ConfigurationError(message: "--keys (STREAMPROC_KEYS) \(configuration.keysPath!): \(error)")
            }
        }
        try requireKeys(keyRegistry, configuration: configuration)
        logger.info("key registry loaded", metadata: ["keys": "\(keyRegistry.keys.count)"])

        // The exactly-once state store (issue 10): PostgreSQL, or this process's memory.
        let store: any StateStore
        var storeServices: [any Service] = []
        if let url = configuration.store {
            let location = try StoreLocation(parsing: url)
            let postgres = PostgresStateStore(location: location, logger: logger)
            storeServices.append(PostgresStoreService(store: postgres))
            store = postgres
        } else {
            if configuration.registryProvided == false {
                logger.warning("no --store: partition state lives in memory only; counts are at-least-once across restarts and rebalances (give --store postgres://… for exactly-once)")
            }
            store = InMemoryStateStore()
        }
        let pipeline = Pipeline(configuration: configuration, registry: keyRegistry, reference: reference,
                                store: store, live: live, metrics: metrics, logger: logger)
        let source = PipelineLiveView(live: live, reference: reference)
        let app = LiveViewServer.makeApplication(
            source: source, readiness: source, metrics: metrics, configuration: http, logger: logger,
            onServerRunning: { port in
                Console.line("streamproc: dashboard at http://\(http.host.contains(":") ? "[\(http.host)]" : http.host):\(port)/")
            })
        var summary: [any Service] = []
        if configuration.summaryIntervalS > 0 {
            summary.append(TerminalSummary(live: live, reference: reference, intervalS: configuration.summaryIntervalS))
        }
        // Graceful shutdown runs in reverse order: load, summary, pipeline (drain, commit), HTTP.
        // A service that fails shuts the others down gracefully too (the pipeline commits what
        // it processed, the HTTP server closes its connections), then `run` rethrows its error;
        // cancelling them instead cut the live view off mid-request and logged its
        // CancellationError at error level.
        let group = ServiceGroup(configuration: .init(
            services: (storeServices + [LiveViewService(app: app, configuration: http, logger: logger), pipeline]
                       + summary + services).map { .init(service: $0, failureTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [],
            logger: logger))

        // One owner per signal (the service group is told to shut down, it does not listen
        // itself): the first SIGINT/SIGTERM starts the group's graceful shutdown, the second
        // exits. A signal before `run` starts the group is kept: the group then starts and
        // shuts down at once. SignalWatcher says why not a dispatch signal source.
        var hangup: (@Sendable () -> Void)?
        if let keysPath = configuration.keysPath {
            hangup = { [configuration] in
                do {
                    let fresh = try KeyRegistry(contentsOfFile: keysPath)
                    try requireKeys(fresh, configuration: configuration)
                    pipeline.reloadRegistry(fresh)
                    logger.info("key registry reloaded", metadata: ["keys": "\(fresh.keys.count)", "file": "\(keysPath)"])
                } catch {
                    logger.error("key registry reload failed; keeping the old registry", metadata: ["error": "\(error)"])
                }
            }
        }
        let signals = try SignalWatcher(
            onInterrupt: { Task { await group.triggerGracefulShutdown() } },
            onRepeatedInterrupt: {
                logger.warning("second signal: exiting now")
                exit(130)
            },
            onHangup: hangup)
        defer { signals.cancel() }
        try await group.run()
    }
}

extension MainJob {
    /// Refuses a key registry without keys unless ``PipelineConfiguration/allowEmptyRegistry``:
    /// every event would be `unknown_key`, which is almost always a wrong `--keys` file.
    /// - Throws: ``ConfigurationError`` naming `--keys`, its environment variable, the file
    ///   and `--allow-empty-keys` (the executable exits 64).
    static func requireKeys(_ registry: KeyRegistry, configuration: PipelineConfiguration) throws {
        guard registry.keys.isEmpty, !configuration.allowEmptyRegistry else { return }
        throw ConfigurationError(message: "--keys (STREAMPROC_KEYS) \(configuration.keysPath ?? "(given)"): the registry has no keys, so every event would be unknown_key; give --allow-empty-keys (STREAMPROC_ALLOW_EMPTY_KEYS=1) to run anyway")
    }
}
