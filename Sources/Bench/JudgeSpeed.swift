import LoadKit
import ScanRules
import ArgumentParser
import Dispatch
import Foundation

/// `bench judge-speed`: where a drain's CPU goes before Kafka and the window state, on the
/// drain's own pre-signed workload (`bench drain`'s cache), all in memory and in one run:
///
/// 1. `probe`: the verification capacity of the mix as `bench drain` and `bench run` measure it
///    (``RunCapacity``: one key per algorithm, 128 signatures in a loop);
/// 2. `verify`: only the signature verifications the workload needs (events that reach rule 4),
///    in the workload's order, with the keys and algorithms interleaved as they arrive;
/// 3. `decode`: only the decoding (spec v1 §2–3) of every event;
/// 4. `judge`: ``ParallelJudge`` over batches of `--batch` events, as the pipeline calls it.
///
/// Every figure is events (or verifications) per wall-clock second on `--cores` threads, the
/// median of `--runs` timed runs of about `--seconds` each, beside the load average.
struct JudgeSpeed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge-speed",
        abstract: "Decode, verify and judge rates of the drain workload in memory (where the pipeline's CPU goes).")

    @Option(help: "Folder of a bench drain workload (events.jsonl, keys.json).")
    var workload = ".bench-cache/drain-n200000-seed1"
    @Option(help: "Use the first N events of the workload.") var events = 50_000
    @Option(help: "Events per ParallelJudge batch (the pipeline's batches are up to 2,000).") var batch = 500
    @Option(help: "Timed runs per figure; the median is reported.") var runs = 3
    @Option(help: "Approximate duration of one timed run, in seconds.") var seconds = 2.0
    @Option(help: "Threads (default: active processor count).") var cores = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Algorithm mix of the workload, for the probe's capacity.") var mix = "SM2=0.8,ES256=0.1,Ed25519=0.1"

    func run() async throws {
        let lines = try LineRecords(contentsOfFile: workload + "/events.jsonl")
        let n = min(events, lines.count)
        let values: [[UInt8]] = (0..<n).map { i in lines.withValue(at: i) { Array($0) } }
        let registry = try KeyRegistry(contentsOfFile: workload + "/keys.json")
        let engine = VerdictEngine(registry: registry, reference: try ReferenceData(scenariosFile: nil, districtsFile: nil))
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        let mixValue: LoadAlgorithmMix
        do { mixValue = try LoadAlgorithmMix(parsing: mix) } catch { throw ValidationError("--mix: \(error)") }

        // The verifications rule 4 needs: (key, payload, signature) of every event that reaches it.
        var found: [(key: RegisteredKey, payload: [UInt8], signature: [UInt8])] = []
        for v in values {
            guard case .event(let e) = engine.decoder.decode(v, nowMs: nowMs),
                  let key = registry.key(issuer: e.code.claims.issuer, keyID: e.code.claims.keyID),
                  key.status != .revoked, key.checkEncoding(e.code.signature) else { continue }
            found.append((key, e.code.payload, e.code.signature))
        }
        let checks = found
        let sorted = found.sorted { ($0.key.issuer, $0.key.keyID) < ($1.key.issuer, $1.key.keyID) }
        var byKey: [String: Int] = [:]
        for c in found { byKey[c.key.keyID, default: 0] += 1 }
        print("verifications by key: \(byKey.sorted { $0.key < $1.key })")
        let load0 = ProcFS.loadAverages()
        print("judge-speed: \(n) events of \(workload), \(checks.count) reach verification; \(cores) threads; median of \(runs) × ~\(seconds) s; load \(load0)")

        let probe = try RunCapacity.measure(cores: cores, seconds: seconds).capacity(for: mixValue)
        let verify = median((0..<runs).map { _ in
            Self.rate(count: checks.count, workers: cores, seconds: seconds) { i in
                _ = checks[i].key.verify(message: checks[i].payload, signature: checks[i].signature)
            }
        })
        let verifySorted = median((0..<runs).map { _ in
            Self.rate(count: sorted.count, workers: cores, seconds: seconds) { i in
                _ = sorted[i].key.verify(message: sorted[i].payload, signature: sorted[i].signature)
            }
        })
        // Per key, one thread: the workload's own checks of that key beside the probe's algorithm rate.
        for (name, _) in byKey.sorted(by: { $0.key < $1.key }) {
            let mine = found.filter { $0.key.keyID == name }
            let r = median((0..<runs).map { _ in
                Self.rate(count: mine.count, workers: 1, seconds: seconds / 2) { i in
                    _ = mine[i].key.verify(message: mine[i].payload, signature: mine[i].signature)
                }
            })
            let alg = mine[0].key.algorithm
            let one = try RunCapacity.measure(cores: 1, seconds: seconds / 2, only: [alg]).perAlgorithm[0].perSecond
            print(String(format: "  key %@ (%@): %.0f/s on one thread; probe %.0f/s; ratio %.3f", name as NSString, alg.rawValue as NSString, r, one, r / one))
        }
        let decode = median((0..<runs).map { _ in
            Self.rate(count: n, workers: cores, seconds: seconds) { i in _ = engine.decoder.decode(values[i], nowMs: nowMs) }
        })
        let grouped = ParallelJudge(engine: engine, workers: cores)
        let inOrder = ParallelJudge(engine: engine, workers: cores, groupByKey: false)
        func judgeRate(_ judge: ParallelJudge) async -> Double {
            var done = 0
            let start = DispatchTime.now().uptimeNanoseconds
            let deadline = start + UInt64(seconds * 1e9)
            repeat {
                var i = 0
                while i < n {
                    let slice = Array(values[i..<min(n, i + batch)])
                    done += await judge.judge(slice, nowMs: nowMs).count
                    i += batch
                }
            } while DispatchTime.now().uptimeNanoseconds < deadline
            return Double(done) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        // Alternated, so a drift of the machine's speed hits both alike; the ratio is per pair.
        var groupedRuns: [Double] = [], inOrderRuns: [Double] = [], pairRatios: [Double] = []
        for _ in 0..<runs {
            let g = await judgeRate(grouped), o = await judgeRate(inOrder)
            groupedRuns.append(g); inOrderRuns.append(o); pairRatios.append(g / o)
        }
        let judgeGrouped = median(groupedRuns), judgeInOrder = median(inOrderRuns)
        let perEvent = Double(checks.count) / Double(n)
        func row(_ name: String, _ rate: Double, _ unit: String, _ note: String) {
            print(name.padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: "%12.0f %-16@ %7.2f µs/core  %@", rate, unit as NSString, Double(cores) * 1e6 / rate, note as NSString))
        }
        row("probe", probe, "events/s", "capacity of the mix (bench drain's figure)")
        row("verify", verify, "verifications/s", String(format: "= %.0f events/s at %.3f verifications/event; %.3f of probe", verify / perEvent, perEvent, verify / perEvent / probe))
        row("verify-by-key", verifySorted, "verifications/s", String(format: "the same, sorted by key; %.3f of probe", verifySorted / perEvent / probe))
        row("decode", decode, "events/s", "")
        row("judge", judgeGrouped, "events/s", String(format: "ParallelJudge, batches of %d, signatures grouped by key; %.3f of probe", batch, judgeGrouped / probe))
        row("judge-in-order", judgeInOrder, "events/s", String(format: "the same, each signature checked as decoded; %.3f of probe; grouped/in-order per pair: median %.3f", judgeInOrder / probe, median(pairRatios)))
        print("load average after: \(ProcFS.loadAverages())")
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

    private func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
    }
}
