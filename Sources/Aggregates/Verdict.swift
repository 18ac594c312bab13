/// The verdict of one scan event (spec v1 §5).
///
/// Raw values follow the spec's rule order: the first failing rule wins, so a
/// smaller raw value is an earlier rule. Raw values are also the dense index
/// of the verdict dimension in the window counters (8 verdicts).
public enum Verdict: UInt8, CaseIterable, Sendable, Hashable, Comparable {
    /// Rule 1: not a well-formed event (see ``MalformedReason``).
    case malformed = 0
    /// Rule 2: no registry entry for (`iss`, `kid`).
    case unknownKey = 1
    /// Rule 3: the registry entry's status is `revoked`.
    case revokedKey = 2
    /// Rule 4: the signature does not verify.
    case invalidSignature = 3
    /// Rule 5: `scanned_at` < `iat` − skew (default 30 s).
    case notYetValid = 4
    /// Rule 6: `scanned_at` > `exp` + skew (default 30 s).
    case expired = 5
    /// Rule 7: an earlier valid event with the same `event_id` within the horizon.
    case duplicate = 6
    /// Rule 8: none of the above.
    case valid = 7

    /// Number of verdicts: the size of the verdict dimension.
    public static let count = 8

    /// The spec's wire name, e.g. `"invalid_signature"`.
    public var name: String {
        switch self {
        case .malformed: "malformed"
        case .unknownKey: "unknown_key"
        case .revokedKey: "revoked_key"
        case .invalidSignature: "invalid_signature"
        case .notYetValid: "not_yet_valid"
        case .expired: "expired"
        case .duplicate: "duplicate"
        case .valid: "valid"
        }
    }

    /// Parses a wire name (``name``); `nil` for anything else.
    public init?(name: String) {
        guard let v = Verdict.allCases.first(where: { $0.name == name }) else { return nil }
        self = v
    }

    /// Whether the event's signature verified: the verdicts that may move a
    /// partition's watermark (spec §7): `valid`, `duplicate`, `expired`, `not_yet_valid`.
    public var signatureVerified: Bool {
        switch self {
        case .valid, .duplicate, .expired, .notYetValid: true
        default: false
        }
    }

    public static func < (a: Verdict, b: Verdict) -> Bool { a.rawValue < b.rawValue }
}
