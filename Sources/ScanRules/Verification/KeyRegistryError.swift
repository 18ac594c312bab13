/// A key registry load error (spec §4): names the entry (0-based index in `keys`,
/// and its `iss`/`kid` when readable) and the problem.
public struct KeyRegistryError: Error, CustomStringConvertible, Equatable {
    /// 0-based index of the offending entry in `keys`; nil for file-level problems.
    public let index: Int?
    /// The entry's `iss`, when it is a string.
    public let issuer: String?
    /// The entry's `kid`, when it is a string.
    public let keyID: String?
    /// What is wrong, e.g. `public_key is not a valid point of sm2p256v1`.
    public let problem: String

    public init(index: Int?, issuer: String? = nil, keyID: String? = nil, problem: String) {
        self.index = index
        self.issuer = issuer
        self.keyID = keyID
        self.problem = problem
    }

    /// E.g. `key registry entry #2 (iss=CQ-YKM, kid=ykm-2026a): unknown alg "RSA"`.
    public var description: String {
        guard let index else { return "key registry: \(problem)" }
        var who = "key registry entry #\(index)"
        if issuer != nil || keyID != nil {
            who += " (iss=\(issuer ?? "?"), kid=\(keyID ?? "?"))"
        }
        return "\(who): \(problem)"
    }
}
