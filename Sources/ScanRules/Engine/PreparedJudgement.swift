/// What ``VerdictEngine/prepare(_:nowMs:timing:)`` leaves: a final judgement, or an event
/// whose signature (spec v1 §5 rule 4) and lifetime (rules 5–6) are still to be checked.
public enum PreparedJudgement: Sendable {
    /// Decided before any signature work (malformed, `unknown_key`, `revoked_key`).
    case decided(Judgement)
    /// Decoded, under a registered active key, with a well-formed signature.
    case needsSignature(PendingSignature)
}

/// A decoded event and the registry key its signature is checked under.
public struct PendingSignature: Sendable {
    /// The decoded event.
    public let event: ScanEvent
    /// The key named by the code's `iss`/`kid` (spec v1 §4).
    public let key: RegisteredKey
}
