import LoadKit
import ScanRules
import ArgumentParser
import Dispatch
import Foundation

/// `bench judge-speed`: where a drain's CPU goes before Kafka and the window state, on the
/// drain's own pre-signed workload (`bench drain`'s cache), all in memory and in one run.
/// Stages (`--only` picks some):
///
/// - `probe`: the verification capacity of the mix as `bench drain` and `bench run` measure it
///   (``RunCapacity``: one key per algorithm, 128 signatures in a loop);
/// - `verify`: only the signature verifications the workload needs (events that reach rule 4),
///   in the workload's order, keys and algorithms interleaved as they arrive;
/// - `verify-by-key`: the same verifications sorted by key;
/// - `per-key`: each key's verifications alone on one thread, beside the probe's rate of its algorithm;
/// - `decode`: only the decoding (spec v1 §2–3) of every event;
/// - `judge`: ``ParallelJudge`` over batches of `--batch` events, as the pipeline calls it.
///
/// Every figure is events (or verifications) per wall-clock second on `--cores` threads, the
/// median of `--runs` timed runs of about `--seconds` each (each run makes at least one full
/// pass, so `--seconds 0 --runs 1` is one pass: for `valgrind --tool=callgrind`).
struct JudgeSpeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge-speed",
        abstract: "Decode, verify and judge rates of the drain workload in memory (where the pipeline's CPU goes).")

    static let stages = ["probe", "verify", "verify-by-key", "per-key", "decode", "judge"]

    @Option(help: "Folder of a bench drain workload (events.jsonl, keys.json).")
    var workload = ".bench-cache/drain-n200000-seed1"
    @Option(help: "Use the first N events of the workload.") var events = 50_000
    @Option(help: "Events per ParallelJudge batch (the pipeline's --max-batch default is 2,000).") var batch = 2_000
    @Option(help: "Timed runs per figure; the median is reported.") var runs = 3
    @Option(help: "Approximate duration of one timed run, in seconds.") var seconds = 2.0
    @Option(help: "Threads (default: active processor count).") var cores = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Algorithm mix of the workload, for the probe's capacity.") var mix = "SM2=0.8,ES256=0.1,Ed25519=0.1"
    @Option(help: "Stages to run (\(JudgeSpeed.stages.joined(separator: ", "))); default all.") var only: [String] = []

    func validate() throws {
        for s in only where !Self.stages.contains(s) { throw ValidationError("unknown stage \(s)") }
    }

    func run() async throws {
        let selected = Set(only.isEmpty ? Self.stages : only)
        let lines = try LineRecords(contentsOfFile: workload + "/events.jsonl")
        let n = min(events, lines.count)
        let values: [[UInt8]] = (0..<n).map { i in lines.withValue(at: i) { Array($0) } }
        let registry = try KeyRegistry(contentsOfFile: workload + "/keys.json")
        let engine = VerdictEngine(registry: registry, reference: try ReferenceData(scenariosFile: nil, districtsFile: nil))
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let mixValue: LoadAlgorithmMix
        do { mixValue = try LoadAlgorithmMix(parsing: mix) } catch { throw ValidationError("--mix: \(error)") }

        // The verifications rule 4 needs: (key, payload, signature) of every event that reaches it.
        var found: [Check] = []
        for v in values {
            guard case .event(let e) = engine.decoder.decode(v, nowMs: nowMs),
                  let key = registry.key(issuer: e.code.claims.issuer, keyID: e.code.claims.keyID),
                  key.status != .revoked, key.checkEncoding(e.code.signature) else { continue }
            found.append(Check(key: key, payload: e.code.payload, signature: e.code.signature))
        }
        let checks = found
        let perEvent = Double(checks.count) / Double(max(n, 1))
        print("judge-speed: \(n) events of \(workload), \(checks.count) reach verification; \(cores) threads; "
              + "median of \(runs) × ~\(seconds) s; load \(ProcFS.loadAverages())")

        func row(_ name: String, _ rate: Double, _ unit: String, _ note: String) {
            print(name.padding(toLength: 15, withPad: " ", startingAt: 0)
                  + String(format: "%10.0f %-16@ %7.2f µs/core  %@", rate, unit as NSString, Double(cores) * 1e6 / rate, note as NSString))
        }
        var probe: Double?
        func ofProbe(_ eventsPerS: Double) -> String { probe.map { String(format: "; %.3f of probe", eventsPerS / $0) } ?? "" }

        if selected.contains("probe") {
            let p = try RunCapacity.measure(cores: cores, seconds: seconds).capacity(for: mixValue)
            probe = p
            row("probe", p, "events/s", "capacity of the mix (bench drain's figure)")
        }
        if selected.contains("verify") {
            let r = median(runs) { Self.rate(count: checks.count, workers: cores, seconds: seconds) { checks[$0].verify() } }
            row("verify", r, "verifications/s", String(format: "= %.0f events/s at %.3f verifications/event", r / perEvent, perEvent) + ofProbe(r / perEvent))
        }
        if selected.contains("verify-by-key") {
            let sorted = checks.sorted { ($0.key.issuer, $0.key.keyID) < ($1.key.issuer, $1.key.keyID) }
            let r = median(runs) { Self.rate(count: sorted.count, workers: cores, seconds: seconds) { sorted[$0].verify() } }
            row("verify-by-key", r, "verifications/s", "the same, sorted by key" + ofProbe(r / perEvent))
        }
        if selected.contains("per-key") {
            for keyID in Set(checks.map(\.key.keyID)).sorted() {
                let mine = checks.filter { $0.key.keyID == keyID }
                let r = median(runs) { Self.rate(count: mine.count, workers: 1, seconds: seconds / 2) { mine[$0].verify() } }
                let alg = mine[0].key.algorithm
                let one = try RunCapacity.measure(cores: 1, seconds: seconds / 2, only: [alg]).perAlgorithm[0].perSecond
                print(String(format: "  key %@ (%@, %d verifications): %.0f/s on one thread; probe %.0f/s; ratio %.3f",
                             keyID as NSString, alg.rawValue as NSString, mine.count, r, one, r / one))
            }
        }
        if selected.contains("decode") {
            let r = median(runs) { Self.rate(count: n, workers: cores, seconds: seconds) { _ = engine.decoder.decode(values[$0], nowMs: nowMs) } }
            row("decode", r, "events/s", "")
        }
        if selected.contains("judge") {
            let batches = stride(from: 0, to: n, by: batch).map { Array(values[$0..<min(n, $0 + batch)]) }
            let judge = ParallelJudge(engine: engine, workers: cores)
            let r = await Self.median(runs) {
                var done = 0
                let start = DispatchTime.now().uptimeNanoseconds
                let deadline = start + UInt64(seconds * 1e9)
                repeat {
                    for b in batches { done += await judge.judge(b, nowMs: nowMs).count }
                } while DispatchTime.now().uptimeNanoseconds < deadline
                return Double(done) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            row("judge", r, "events/s", "ParallelJudge, batches of \(batch)" + ofProbe(r))
        }
        print("load average after: \(ProcFS.loadAverages())")
    }

    /// One signature check of the workload.
    struct Check: Sendable {
        let key: RegisteredKey, payload: [UInt8], signature: [UInt8]
        func verify() { _ = key.verify(message: payload, signature: signature) }
    }

    /// Items per wall-clock second with `workers` threads, each taking a contiguous share of
    /// `0..<count` and looping until ~`seconds` have passed (checked once per pass).
    static func rate(count: Int, workers: Int, seconds: Double, _ body: @Sendable (Int) -> Void) -> Double {
        let counts = RunCounter()
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = count * w / workers, hi = count * (w + 1) / workers
            var done = 0
            repeat {
                for i in lo..<hi { body(i) }
                done += hi - lo
            } while DispatchTime.now().uptimeNanoseconds < deadline
            counts.add(done)
        }
        return Double(counts.value) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    private func median(_ runs: Int, _ measure: () -> Double) -> Double { Self.median((0..<max(1, runs)).map { _ in measure() }) }

    private static func median(_ runs: Int, _ measure: () async -> Double) async -> Double {
        var xs: [Double] = []
        for _ in 0..<max(1, runs) { xs.append(await measure()) }
        return median(xs)
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
    }
}
