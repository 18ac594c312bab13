import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Dispatch
import Foundation
import StreamProc

/// `bench verify-speed [--json] [--runs N] [--seconds S]`: signature verifications per
/// second for SM2, ES256 and Ed25519, on one core and on all cores (one chunk per core
/// verified in parallel with `DispatchQueue.concurrentPerform`). Each figure is the
/// median of `--runs` timed runs. Signatures are generated at start with `TestSigningKey`
/// (SM2 with distid `1234567812345678`) over 200-byte code-payload-like messages.
struct VerifySpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-speed",
        abstract: "Signature verifications/s per algorithm, one core and all cores.")

    @Flag(help: "Print one JSON line instead of a table.")
    var json = false

    @Option(help: "Timed runs per figure; the median is reported.")
    var runs = 5

    @Option(help: "Approximate duration of one timed run, in seconds.")
    var seconds = 1.0

    @Option(name: .customLong("only"), help: "Measure only these algorithms (SM2, ES256, Ed25519); default all.")
    var only: [String] = []

    @Option(help: "Worker count for the all-cores figure (default: active processor count).")
    var cores = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let batch = 256
        var results: [Row] = []
        let selected = try only.isEmpty ? SignatureAlgorithm.allCases : only.map { name in
            guard let alg = SignatureAlgorithm(rawValue: name) else { throw ValidationError("unknown algorithm \(name)") }
            return alg
        }
        for alg in selected {
            let signer = try TestSigningKey.generate(alg)
            let registry = try KeyRegistry(json: Array("{\"keys\":[\(signer.registryEntryJSON(issuer: "B", keyID: "k"))]}".utf8))
            let key = registry.keys[0]
            var messages: [[UInt8]] = []
            var signatures: [[UInt8]] = []
            for i in 0..<batch {
                let m = Array(#"{"iss":"B","kid":"k","typ":"P","sub":"u\#(String(format: "%012x", i * 7919))","iat":1795219150,"exp":1795219210,"ext":{"pad":"\#(String(repeating: "x", count: 100))"}}"#.utf8)
                messages.append(m)
                signatures.append(try signer.sign(m))
            }
            // Sanity: every generated signature verifies (fails loudly otherwise).
            for i in 0..<batch where key.verify(message: messages[i], signature: signatures[i]) != .valid {
                throw ValidationError("\(alg.rawValue): generated signature \(i) does not verify")
            }
            let input = Workload(key: key, messages: messages, signatures: signatures)
            let oneRuns = (0..<runs).map { _ in input.rate(workers: 1, seconds: seconds) }
            let allRuns = (0..<runs).map { _ in input.rate(workers: cores, seconds: seconds) }
            results.append(Row(alg: alg, one: median(oneRuns.map(\.wall)), all: median(allRuns.map(\.wall)),
                               oneCPU: median(oneRuns.map(\.cpu)), allCPU: median(allRuns.map(\.cpu))))
        }
        if json {
            let parts = results.map {
                "\"\($0.alg.rawValue)\":{\"one_core\":\(Int($0.one)),\"all_cores\":\(Int($0.all)),"
                    + "\"one_core_cpu\":\(Int($0.oneCPU)),\"per_core_cpu_all\":\(Int($0.allCPU))}"
            }
            print("{\"cores\":\(cores),\(parts.joined(separator: ","))}")
        } else {
            print("verify-speed: median of \(runs) runs of ~\(seconds) s, \(cores) cores, verifications/s")
            print("(wall = per wall-clock second; cpu = per second of the workers' thread CPU time)")
            print("alg       one_core   all_cores  ratio   one_core_cpu  per_core_cpu_all")
            for r in results {
                let name = r.alg.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                print("\(name) \(pad(Int(r.one), 9)) \(pad(Int(r.all), 11))  \(String(format: "%.2f", r.all / max(r.one, 1)))x"
                      + " \(pad(Int(r.oneCPU), 13)) \(pad(Int(r.allCPU), 17))")
            }
        }
    }

    private struct Row {
        let alg: SignatureAlgorithm
        let one: Double, all: Double, oneCPU: Double, allCPU: Double
    }

    private func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }

    private func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

/// A pre-signed batch for one key; `rate` times verification of it.
private struct Workload: Sendable {
    let key: RegisteredKey
    let messages: [[UInt8]]
    let signatures: [[UInt8]]

    /// Verifications/s with `workers` threads each looping over the whole batch until
    /// ~`seconds` have passed (checked once per batch pass): `wall` is verifications per
    /// wall-clock second; `cpu` is verifications per second of the workers' own thread
    /// CPU time (CLOCK_THREAD_CPUTIME_ID), i.e. per busy core, comparable to
    /// `openssl speed`, which also divides by CPU time.
    func rate(workers: Int, seconds: Double) -> (wall: Double, cpu: Double) {
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: workers)
        counts.initialize(repeating: 0)
        let cpuNanos = UnsafeMutableBufferPointer<Int>.allocate(capacity: workers)
        cpuNanos.initialize(repeating: 0)
        defer { counts.deallocate(); cpuNanos.deallocate() }
        let base = UInt(bitPattern: counts.baseAddress)
        let cpuBase = UInt(bitPattern: cpuNanos.baseAddress)
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let cpu0 = threadCPUNanos()
            var n = 0
            var failures = 0
            repeat {
                for i in messages.indices {
                    if key.verify(message: messages[i], signature: signatures[i]) != .valid { failures += 1 }
                }
                n += messages.count
            } while DispatchTime.now().uptimeNanoseconds < deadline
            let slot = UnsafeMutablePointer<Int>(bitPattern: base)! + w
            slot.pointee = failures == 0 ? n : -1
            (UnsafeMutablePointer<Int>(bitPattern: cpuBase)! + w).pointee = threadCPUNanos() - cpu0
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let total = counts.reduce(0) { $1 < 0 || $0 < 0 ? -1 : $0 + $1 }
        let cpu = Double(cpuNanos.reduce(0, +)) / 1e9
        guard total >= 0 else { return (0, 0) }
        return (Double(total) / elapsed, cpu > 0 ? Double(total) / cpu : 0)
    }

    private func threadCPUNanos() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
    }
}
