import ArgumentParser
import Foundation
import LoadKit
import Logging
import StateStore

/// `bench drain`: the backlog-drain capacity figure (issue 11, "an honest benchmark").
///
/// N pre-signed events (``DrainWorkload``, generated once and cached) are produced to a fresh
/// `streamproc mock-broker` child by a `bench produce` child before the processor starts; then a
/// `streamproc run` child drains them (``DrainRun``). Nothing is signed or generated while the
/// processor runs, and the processor's, the broker's and the producer's CPU are reported apart.
/// With `--compare-store URL` the runs alternate between state in memory and that PostgreSQL
/// store (each store run in a fresh schema `drain_<pid>_<run>`, dropped afterwards).
/// Before the first and after the last run the all-core verification capacity of the mix is
/// measured in this process (``RunCapacity``, as `bench run` does), and each configuration's
/// median steady rate is reported as a fraction of their mean: how close the whole pipeline
/// (consume, decode, verify, count, outputs) comes to verification alone (issue 11, must 4).
struct Drain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Backlog drain: time for a separate streamproc process to consume N pre-produced events.",
        discussion: """
        Uses the streamproc and bench executables of the same build folder as this one. Per run: a fresh \
        mock broker, the backlog produced by a bench produce child (lz4), then streamproc run until \
        streamproc_events_total counters of its /metrics sum to N. The mock broker keeps ~5 MB per partition: 200,000 events \
        (~460 B each, ~0.4 of that with lz4) lose records with 8 partitions; use 12.
        """)

    @Option(help: "Events in the backlog (≤ ~170,000 on 8 partitions: the mock keeps ~5 MB per partition).") var events = 150_000
    @Option(help: "Partitions of the mock broker's topics.") var partitions = 8
    @Option(help: "Runs of each configuration (alternating with --compare-store).") var runs = 1
    @Option(help: "State store URL of the processor (postgres://…); default: in memory.") var store: String?
    @Option(help: "Alternate runs in memory and with this store URL (postgres://…), each store run in a fresh schema.")
    var compareStore: String?
    @Option(help: "Folder of the cached pre-signed events.") var cache = ".bench-cache"
    @Option(help: "Seed of the workload.") var seed: UInt64 = 1
    @Option(help: "Algorithm mix.") var mix = "SM2=0.8,ES256=0.1,Ed25519=0.1"
    @Option(help: "compression.codec of the backlog producer.") var compression = "lz4"
    @Option(help: "Give up when events_total does not move for this many seconds.") var stallTimeoutS = 30.0
    @Flag(help: "Print one JSON line on standard output (the table goes to standard error).") var json = false
    @Flag(inversion: .prefixedNo, help: "Measure the all-core verification capacity of the mix (2 s per algorithm) before the first and after the last run, and report steady/s as a fraction of it.")
    var capacity = true

    func run() async throws {
        guard events > 0, partitions > 0, runs > 0 else { throw ValidationError("--events, --partitions and --runs must be > 0") }
        guard store == nil || compareStore == nil else { throw ValidationError("give --store or --compare-store, not both") }
        let binDirectory = try BenchChild.binDirectory()
        guard FileManager.default.isExecutableFile(atPath: binDirectory + "/streamproc") else {
            throw ValidationError("\(binDirectory)/streamproc is missing: build both products (swift build -c release)")
        }
        if let url = compareStore ?? store, try StoreLocation(parsing: url).schema != nil {
            throw ValidationError("the store URL must not set schema=: each run makes its own")
        }
        let loadBefore = ProcFS.loadAverages()
        let mixValue: LoadAlgorithmMix
        do { mixValue = try LoadAlgorithmMix(parsing: mix) } catch { throw ValidationError("--mix: \(error)") }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        func measureCapacity(_ when: String) throws -> Double? {
            guard capacity else { return nil }
            RunProgress.line("verification capacity of the mix on \(cores) cores (\(when))…")
            let c = try RunCapacity.measure(cores: cores, seconds: 2).capacity(for: mixValue)
            RunProgress.line("verification capacity \(when): \(fmt(c, 0)) events/s; load average \(ProcFS.loadAverages())")
            return c
        }
        let capacityBefore = try measureCapacity("before the runs")
        let workload = try await DrainWorkload.prepare(events: events, seed: seed, mix: mix, cache: cache,
                                                       benchPath: binDirectory + "/bench")
        let logDirectory = NSTemporaryDirectory() + "bench-drain-\(getpid())"
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        RunProgress.line("children's logs: \(logDirectory); load average \(loadBefore)")
        let drain = DrainRun(binDirectory: binDirectory, workload: workload, partitions: partitions, compression: compression,
                             stallTimeoutS: stallTimeoutS, logDirectory: logDirectory)
        let plan: [(String, String?)] = compareStore.map { [("memory", nil), ("store", $0)] }
            ?? [(store == nil ? "memory" : "store", store)]
        var results: [DrainResult] = []
        var failures: [String] = []
        // A failed run (a child crashed, the drain stalled) is reported and left out of the medians.
        func attempt(_ index: Int, _ name: String, _ body: () async throws -> DrainResult) async {
            do { results.append(try await body()) } catch {
                failures.append("run \(index) (\(name)): \(error)")
                RunProgress.line("run \(index) (\(name)) FAILED: \(error)")
            }
        }
        for round in 0..<runs {
            for (name, url) in plan {
                let index = results.count + failures.count + 1
                RunProgress.line("run \(index) of \(runs * plan.count) (\(name)), round \(round + 1); load average \(ProcFS.loadAverages())")
                if let url {
                    let schema = "drain_\(getpid())_\(index)"
                    let base = try StoreLocation(parsing: url)
                    try await Self.sql(base, "CREATE SCHEMA \(schema)")
                    await attempt(index, name) {
                        try await drain.run(index: index, configuration: name,
                                            store: url + (url.contains("?") ? "&" : "?") + "schema=\(schema)")
                    }
                    try await Self.sql(base, "DROP SCHEMA \(schema) CASCADE")
                } else {
                    await attempt(index, name) { try await drain.run(index: index, configuration: name, store: nil) }
                }
            }
        }
        let capacityAfter = try measureCapacity("after the runs")
        let report = DrainReport(runs: results, failures: failures, events: events, partitions: partitions,
                                 capacityBefore: capacityBefore, capacityAfter: capacityAfter, cores: cores,
                                 loadBefore: loadBefore, loadAfter: ProcFS.loadAverages())
        if json { FileHandle.standardError.write(Data(report.table().utf8)) }
        print(json ? report.jsonLine() : report.table())
    }

    /// Runs one SQL statement on the store's database (no schema on the connection).
    private static func sql(_ location: StoreLocation, _ statement: String) async throws {
        var logger = Logger(label: "bench.drain.store")
        logger.logLevel = .warning
        try await PostgresStateStore.withStore(location: location, logger: logger, maxConnections: 1) { store in
            _ = try await store.executeSQL(statement)
        }
    }
}
