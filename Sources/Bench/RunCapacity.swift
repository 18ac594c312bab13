import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Dispatch
import Foundation
import StreamProc
import Synchronization

/// The all-core signature verification capacity `bench run` compares its result with:
/// per algorithm, verifications per wall-clock second with `cores` threads verifying a
/// pre-signed batch (the same method as `bench verify-speed`'s all-cores figure, one run
/// of `seconds` per algorithm), and for a mix `1 / Σ share / rate` events per second.
struct RunCapacity {
    /// Verifications per second per algorithm, in ``SignatureAlgorithm/allCases`` order.
    var perAlgorithm: [(name: String, perSecond: Double)]

    /// Events per second a mix can be verified at (`1 / Σ share_i / rate_i`); 0 when a
    /// rate with a positive share is 0.
    func capacity(for mix: LoadAlgorithmMix) -> Double {
        var sum = 0.0
        for (i, share) in mix.shares.enumerated() where share > 0 {
            guard i < perAlgorithm.count, perAlgorithm[i].perSecond > 0 else { return 0 }
            sum += share / perAlgorithm[i].perSecond
        }
        return sum > 0 ? 1 / sum : 0
    }

    /// Measures SM2, ES256 and Ed25519 (in ``SignatureAlgorithm`` order), or the algorithms of
    /// `only` in its order, `seconds` each.
    /// - Throws: when a key cannot be generated or a generated signature does not verify.
    static func measure(cores: Int, seconds: Double, only: [SignatureAlgorithm] = [.sm2, .es256, .ed25519]) throws -> RunCapacity {
        var out: [(String, Double)] = []
        for alg in only {
            let signer = try TestSigningKey.generate(alg)
            let registry = try KeyRegistry(json: Array("{\"keys\":[\(signer.registryEntryJSON(issuer: "B", keyID: "k"))]}".utf8))
            let key = registry.keys[0]
            var messages: [[UInt8]] = []
            var signatures: [[UInt8]] = []
            for i in 0..<128 {
                let m = Array(#"{"iss":"B","kid":"k","typ":"P","sub":"u\#(String(format: "%012x", i * 7919))","iat":1795219150,"exp":1795219210}"#.utf8)
                messages.append(m)
                signatures.append(try signer.sign(m))
            }
            guard key.verify(message: messages[0], signature: signatures[0]) == .valid else {
                throw RunError("capacity probe: \(alg.rawValue) signature does not verify")
            }
            out.append((alg.rawValue, rate(key: key, messages: messages, signatures: signatures,
                                            workers: cores, seconds: seconds)))
        }
        return RunCapacity(perAlgorithm: out)
    }

    /// Verifications per wall-clock second with `workers` threads looping over the batch.
    private static func rate(key: RegisteredKey, messages: [[UInt8]], signatures: [[UInt8]],
                             workers: Int, seconds: Double) -> Double {
        let counts = RunCounter()
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var n = 0
            repeat {
                for i in messages.indices where key.verify(message: messages[i], signature: signatures[i]) == .valid { n += 1 }
            } while DispatchTime.now().uptimeNanoseconds < deadline
            counts.add(n)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(counts.value) / elapsed
    }
}

/// A failure of `bench run` with a message for the terminal.
struct RunError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// A shared counter for worker threads.
final class RunCounter: Sendable {
    private let total = Atomic<Int>(0)
    func add(_ n: Int) { total.add(n, ordering: .relaxed) }
    var value: Int { total.load(ordering: .relaxed) }
}
