/// The claims of a code's payload (spec v1 §3), checked for form only; whether
/// (`issuer`, `keyID`) is known, revoked, or the time window holds is decided later (spec v1 §5 rules 2–6).
public struct CodeClaims: Sendable {
    /// `iss`: issuer id, e.g. `"CQ-YKM"`.
    public let issuer: String
    /// `kid`: key id within the issuer, e.g. `"ykm-2026a"`.
    public let keyID: String
    /// `typ`: `P`, `O` or `T`.
    public let type: CodeType
    /// `sub`: pseudonymous subject, redacted in every textual form.
    public let subject: Subject
    /// `iat`: issued at, **seconds** since the Unix epoch.
    public let issuedAt: Int64
    /// `exp`: expires at, **seconds** since the Unix epoch; always > ``issuedAt``.
    public let expiresAt: Int64

    public init(issuer: String, keyID: String, type: CodeType, subject: Subject, issuedAt: Int64, expiresAt: Int64) {
        self.issuer = issuer
        self.keyID = keyID
        self.type = type
        self.subject = subject
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
