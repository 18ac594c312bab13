import ScanRules
import KafkaIO
import LiveView
import Aggregates

/// What the load generator deliberately made an event: valid, a resend, or one
/// realistic failure. Each kind implies the verdict the processor must give
/// (spec v1 §5) and, for `malformed`, the reason.
public enum LoadEventKind: String, CaseIterable, Sendable, Hashable {
    case valid
    /// A resend of an earlier valid event: identical bytes (rule 7).
    case duplicate
    /// Signed by a key the registry does not list (rule 2).
    case unknownKey = "unknown_key"
    /// Signed by a key the registry lists as `revoked` (rule 3).
    case revokedKey = "revoked_key"
    /// A byte of the signature's r (DER) or R (Ed25519) flipped (rule 4).
    case tamperedSignature = "tampered_signature"
    /// A character of the payload's `sub` changed after signing (rule 4).
    case tamperedPayload = "tampered_payload"
    /// `scanned_at` more than 30 s after `exp` (rule 6).
    case expired
    /// `scanned_at` more than 30 s before `iat` (rule 5).
    case notYetValid = "not_yet_valid"
    /// The value cut short: not JSON.
    case badJSON = "bad_json"
    /// A required event field left out.
    case missingField = "missing_field"
    /// A field breaking its rule (`v` = 2, unknown `mode`, bad `event_id`, empty `terminal_id`).
    case badValue = "bad_value"
    /// A field of the wrong JSON type (`scanned_at` or `v` as a string).
    case badType = "bad_type"
    /// A scenario id not in scenarios.csv.
    case unknownScenario = "unknown_scenario"
    /// A district code not in districts.csv.
    case unknownDistrict = "unknown_district"
    /// `detail` without a required field or with a wrong value/type (spec §6).
    case badDetail = "bad_detail"
    /// The code's text breaks `YKM1.<b64url>.<b64url>` (tag, separator, padding).
    case badCode = "bad_code"
    /// The payload is not a JSON object with its required fields.
    case badPayload = "bad_payload"
    /// The signature bytes are not strict DER (a trailing byte) or not 64 bytes.
    case badSignatureEncoding = "bad_signature_encoding"
    /// `scanned_at` far in the future (year 2100): `clock_ahead`.
    case clockAhead = "clock_ahead"

    /// The verdict the processor must give this kind.
    public var verdict: Verdict {
        switch self {
        case .valid: .valid
        case .duplicate: .duplicate
        case .unknownKey: .unknownKey
        case .revokedKey: .revokedKey
        case .tamperedSignature, .tamperedPayload: .invalidSignature
        case .expired: .expired
        case .notYetValid: .notYetValid
        default: .malformed
        }
    }

    /// The malformed reason, `nil` for the other verdicts.
    public var reason: MalformedReason? {
        switch self {
        case .badJSON: .badJSON
        case .missingField: .missingField
        case .badValue: .badValue
        case .badType: .badType
        case .unknownScenario: .unknownScenario
        case .unknownDistrict: .unknownDistrict
        case .badDetail: .badDetail
        case .badCode: .badCode
        case .badPayload: .badPayload
        case .badSignatureEncoding: .badSignatureEncoding
        case .clockAhead: .clockAhead
        default: nil
        }
    }

    /// Shares of the invalid kinds within the invalid share (sum 1): malformed 40 %
    /// (split over its reasons), invalid signature 20 %, unknown key 12 %, expired 12 %,
    /// not yet valid 10 %, revoked key 6 %.
    static let invalidShares: [(LoadEventKind, Double)] = [
        (.unknownKey, 0.12), (.revokedKey, 0.06), (.tamperedSignature, 0.10), (.tamperedPayload, 0.10),
        (.expired, 0.12), (.notYetValid, 0.10),
        (.badDetail, 0.08), (.missingField, 0.06), (.badValue, 0.05), (.badCode, 0.05),
        (.badJSON, 0.04), (.badPayload, 0.03), (.unknownScenario, 0.025), (.unknownDistrict, 0.025),
        (.badSignatureEncoding, 0.02), (.badType, 0.01), (.clockAhead, 0.01),
    ]
}
