import ScanRules
import Aggregates

/// The share of signed codes per algorithm, e.g. `SM2=0.8,ES256=0.1,Ed25519=0.1`
/// (`--mix` of `bench generate`). Shares are normalised to sum to 1.
public struct LoadAlgorithmMix: Sendable, Equatable, CustomStringConvertible {
    /// Normalised shares in ``SignatureAlgorithm/allCases`` order (SM2, ES256, Ed25519).
    public let shares: [Double]

    /// 80 % SM2 (the Chongqing platform), 10 % ES256, 10 % Ed25519 (other provinces).
    public static let `default` = LoadAlgorithmMix(sm2: 0.8, es256: 0.1, ed25519: 0.1)

    /// Errors of ``init(parsing:)``.
    public enum ParseError: Error, Equatable {
        /// An item is not `ALG=SHARE`, names an unknown algorithm, or repeats one.
        case badItem(String)
        /// A share is negative, not finite, or all shares are zero.
        case badShare(String)
    }

    /// Shares by algorithm; normalised. All-zero input yields the default mix.
    public init(sm2: Double, es256: Double, ed25519: Double) {
        let total = sm2 + es256 + ed25519
        shares = total > 0 ? [sm2 / total, es256 / total, ed25519 / total] : LoadAlgorithmMix.default.shares
    }

    /// Parses `"SM2=0.8,ES256=0.1,Ed25519=0.1"` (algorithm names case-insensitive;
    /// missing algorithms get 0; spaces ignored).
    /// - Throws: ``ParseError``.
    public init(parsing text: String) throws {
        var values: [SignatureAlgorithm: Double] = [:]
        for raw in text.split(separator: ",") {
            let item = raw.filter { $0 != " " }
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2,
                  let alg = SignatureAlgorithm.allCases.first(where: { $0.rawValue.lowercased() == parts[0].lowercased() }),
                  values[alg] == nil
            else { throw ParseError.badItem(String(item)) }
            guard let v = Double(parts[1]), v.isFinite, v >= 0 else { throw ParseError.badShare(String(item)) }
            values[alg] = v
        }
        let total = values.values.reduce(0, +)
        guard total > 0 else { throw ParseError.badShare(text) }
        shares = SignatureAlgorithm.allCases.map { (values[$0] ?? 0) / total }
    }

    /// The share of one algorithm.
    public func share(of alg: SignatureAlgorithm) -> Double {
        shares[SignatureAlgorithm.allCases.firstIndex(of: alg) ?? 0]
    }

    /// `SM2=0.8,ES256=0.1,Ed25519=0.1`.
    public var description: String {
        zip(SignatureAlgorithm.allCases, shares).map { "\($0.rawValue)=\(($1 * 1000).rounded() / 1000)" }.joined(separator: ",")
    }
}
