import ScanRules
import Aggregates

/// Measures signing rates of the load generator's algorithms (for `bench generate
/// --measure-signing`): signatures per second on one core, per algorithm.
public enum LoadSigningBenchmark {
    /// One result: algorithm, signatures made, elapsed **seconds**, rate per second.
    public struct Result: Sendable {
        public let alg: SignatureAlgorithm
        public let signatures: Int
        public let seconds: Double
        public var perSecond: Double { seconds > 0 ? Double(signatures) / seconds : 0 }
    }

    /// Signs `count` corpus-sized payloads (~130 bytes) per algorithm on the calling thread.
    public static func run(count: Int, seed: UInt64 = 1) -> [Result] {
        var rng = LoadRandom(seed: seed)
        let signer = TestSigner()
        let clock = ContinuousClock()
        var results: [Result] = []
        for alg in SignatureAlgorithm.allCases {
            guard let key = try? TestSigningKey(iss: "B", kid: "b", alg: alg, privateKey: rng.bytes32()) else { continue }
            var payload = Array(#"{"iss":"CQ-YKM","kid":"ykm-gen-a","typ":"P","sub":"u0123456789ab","iat":1795219150,"exp":1795219210}"#.utf8)
            var sink = 0
            let t0 = clock.now
            for i in 0..<count {
                payload[50] = UInt8(0x61 + i % 6)
                sink &+= signer.sign(payload, with: key)?.count ?? 0
            }
            let d = clock.now - t0
            let secs = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            results.append(Result(alg: alg, signatures: sink > 0 ? count : 0, seconds: secs))
        }
        return results
    }
}
