import ArgumentParser
import Dispatch
import Foundation
import StreamProc

/// `bench verify-speed [--json] [--runs N] [--seconds S]`: signature verifications per
/// second for SM2, ES256 and Ed25519, on one core and on all cores (one chunk per core
/// verified in parallel with `DispatchQueue.concurrentPerform`). Each figure is the
/// median of `--runs` timed runs. Signatures are generated at start with `CodeSigner`
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

    @Option(help: "Worker count for the all-cores figure (default: active processor count).")
    var cores = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        let batch = 256
        var results: [(SignatureAlgorithm, Double, Double)] = []
        for alg in SignatureAlgorithm.allCases {
            let signer = try CodeSigner.generate(alg)
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
            let one = median((0..<runs).map { _ in input.rate(workers: 1, seconds: seconds) })
            let all = median((0..<runs).map { _ in input.rate(workers: cores, seconds: seconds) })
            results.append((alg, one, all))
        }
        if json {
            let parts = results.map { "\"\($0.0.rawValue)\":{\"one_core\":\(Int($0.1)),\"all_cores\":\(Int($0.2))}" }
            print("{\"cores\":\(cores),\(parts.joined(separator: ","))}")
        } else {
            print("verify-speed: median of \(runs) runs of ~\(seconds) s, \(cores) cores, verifications/s")
            print("alg       one_core   all_cores  ratio")
            for (alg, one, all) in results {
                let name = alg.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                print("\(name) \(pad(Int(one), 9)) \(pad(Int(all), 11))  \(String(format: "%.2f", all / one))x")
            }
        }
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
    /// ~`seconds` have passed (checked once per batch pass).
    func rate(workers: Int, seconds: Double) -> Double {
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: workers)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        let base = UInt(bitPattern: counts.baseAddress)
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
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
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let total = counts.reduce(0) { $1 < 0 || $0 < 0 ? -1 : $0 + $1 }
        return total < 0 ? 0 : Double(total) / elapsed
    }
}
