import ArgumentParser
import Foundation
import LoadKit

/// `bench soak --minutes M`: memory under a steady load (issue 11, must 6). Three children, as in
/// `bench drain`: a fresh `streamproc mock-broker`, a `bench produce` that generates and signs
/// events live at the offered rate (event time = wall clock, so windows close and the duplicate
/// horizon prunes as in production), and `streamproc run`. Every `--sample-s` seconds the
/// processor's VmRSS, its events/s (`streamproc_events_total` of `/metrics`) and CPU are sampled;
/// the end prints the RSS curve and its least-squares slope in MiB per hour (``SoakReport``).
struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Steady load for MINUTES; samples the processor's RSS, heap in use and events/s every 10 s and prints their slopes.",
        discussion: """
        The RSS is that of the separate streamproc run process. The load is signed live by a separate bench \
        produce process on the same machine (its CPU is reported apart). Default --rate: half of a quick \
        capacity estimate = the lower of the verification capacity on all cores and the producer's one-core \
        signing rate for the mix.
        """)

    @Option(help: "Soak length, minutes.") var minutes = 10.0
    @Option(help: "Offered events/s (default: half of a quick capacity estimate).") var rate: Double?
    @Option(help: "Seconds between samples.") var sampleS = 10.0
    @Option(help: "Partitions of the mock broker's topics.") var partitions = 4
    @Option(help: "State store URL of the processor (postgres://…); default: in memory.") var store: String?
    @Option(help: "Algorithm mix.") var mix = "SM2=0.8,ES256=0.1,Ed25519=0.1"
    @Option(help: "A signed code is shown in up to this many valid events (bench produce --code-reuse): lets the one-core live producer offer more than its signing rate. The processor verifies every event.")
    var codeReuse = 1
    @Flag(help: "Print one JSON line on standard output (the table goes to standard error).") var json = false

    func run() async throws {
        guard minutes > 0, sampleS > 0, partitions > 0, codeReuse >= 1 else {
            throw ValidationError("--minutes, --sample-s and --partitions must be > 0, --code-reuse ≥ 1")
        }
        let mixValue: LoadAlgorithmMix
        do { mixValue = try LoadAlgorithmMix(parsing: mix) } catch { throw ValidationError("--mix: \(error)") }
        let bin = try BenchChild.binDirectory()
        let (offered, source) = try rate.map { ($0, "--rate") } ?? Self.estimate(mix: mixValue)
        let logDirectory = NSTemporaryDirectory() + "bench-soak-\(getpid())"
        try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
        let loadStart = ProcFS.loadAverages()
        RunProgress.line("bench soak: \(fmt(minutes, 1)) min at \(fmt(offered, 0)) events/s (\(source)); logs \(logDirectory); load average \(loadStart)")

        let broker = try BenchChild.mockBroker(streamproc: bin + "/streamproc", partitions: partitions,
                                               logPrefix: logDirectory + "/broker")
        var children = [broker]
        defer { for c in children where c.isRunning { kill(c.pid, SIGKILL) } }
        let bootstrap = try await broker.firstStdoutLine(timeoutS: 30)
        let keys = logDirectory + "/keys.json"
        let producer = try BenchChild(
            name: "bench produce", executable: bin + "/bench",
            arguments: ["produce", "--brokers", bootstrap, "--rate", String(offered), "--duration", String(minutes * 60 + 30),
                        "--keys-out", keys, "--mix", mix, "--compression", "lz4", "--code-reuse", String(codeReuse)],
            logPrefix: logDirectory + "/produce")
        children.append(producer)
        while !FileManager.default.fileExists(atPath: keys) {
            guard producer.isRunning else { throw RunError("bench produce exited; see \(producer.stderrPath)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let port = try DrainRun.freePort()
        var args = ["run", "--brokers", bootstrap, "--keys", keys, "--http", "127.0.0.1:\(port)", "--summary-s", "0",
                    "--log-level", "warning"]
        if let store { args += ["--store", store] }
        let processor = try BenchChild(name: "streamproc run", executable: bin + "/streamproc", arguments: args,
                                       logPrefix: logDirectory + "/processor")
        children.append(processor)
        let brokerCPU0 = broker.cpuSeconds ?? 0, producerCPU0 = producer.cpuSeconds ?? 0
        let probe = StatusProbe(port: UInt16(port))
        let t0 = Date()
        var samples: [SoakSample] = []
        var previous = (t: 0.0, events: UInt64(0), cpu: 0.0)
        while true {
            try await Task.sleep(for: .seconds(sampleS))
            guard processor.isRunning else { throw RunError("streamproc run exited; see \(processor.stderrPath)") }
            let t = Date().timeIntervalSince(t0)
            let cpu = processor.cpuSeconds ?? previous.cpu
            let read = probe.countedEventsAndHeap()
            let events = read.events ?? previous.events
            let dt = max(t - previous.t, 1e-9)
            let s = SoakSample(elapsedS: t, rssBytes: processor.rssBytes ?? 0, heapBytes: read.heapBytes, eventsTotal: events,
                               eventsPerS: Double(events - min(events, previous.events)) / dt,
                               processorCores: (cpu - previous.cpu) / dt, load: ProcFS.loadAverage1() ?? 0)
            samples.append(s)
            previous = (t, events, cpu)
            RunProgress.line("\(fmt(t, 0)) s: RSS \(fmt(s.rssMiB, 1)) MiB, heap \(s.heapMiB.map { fmt($0, 1) } ?? "?") MiB, \(fmt(s.eventsPerS, 0)) events/s, "
                             + "processor \(fmt(s.processorCores, 2)) cores, load \(fmt(s.load, 2))")
            if t >= minutes * 60 { break }
        }
        let report = SoakReport(samples: samples, rate: offered, rateSource: source, minutes: minutes,
                                configuration: store == nil ? "memory" : "store", codeReuse: codeReuse,
                                producerCPUS: (producer.cpuSeconds ?? producerCPU0) - producerCPU0,
                                brokerCPUS: (broker.cpuSeconds ?? brokerCPU0) - brokerCPU0,
                                loadStart: loadStart, loadEnd: ProcFS.loadAverages())
        for c in children.reversed() { await c.stop() }
        if json { FileHandle.standardError.write(Data(report.table().utf8)) }
        print(json ? report.jsonLine() : report.table())
    }

    /// Half of the lower of the all-core verification capacity of the mix (0.5 s per algorithm)
    /// and the one-core signing rate of the mix (what the single-threaded live producer can offer).
    private static func estimate(mix: LoadAlgorithmMix) throws -> (Double, String) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let verify = try RunCapacity.measure(cores: cores, seconds: 0.5).capacity(for: mix)
        let signing = RunCapacity(perAlgorithm: LoadSigningBenchmark.run(count: 300).map { ($0.alg.rawValue, $0.perSecond) })
            .capacity(for: mix)
        let bound = min(verify, signing)
        return (bound / 2, "half of min(verification capacity \(fmt(verify, 0))/s on \(cores) cores, "
                    + "one-core signing \(fmt(signing, 0))/s)")
    }
}
