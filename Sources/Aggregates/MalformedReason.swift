/// Why an event is `malformed` (spec v1 §1–§5). Unattributed malformed
/// events are counted per reason; every malformed event carries its reason
/// to the rejected topic.
public enum MalformedReason: UInt8, CaseIterable, Sendable, Hashable {
    /// The value is larger than 16 KiB (spec §1), checked before parsing.
    case tooLarge = 0
    /// The value nests deeper than 32 levels (spec §1), checked before a full parse.
    case tooDeep
    /// Not one UTF-8 JSON object (RFC 8259), e.g. a syntax error or a BOM.
    case badJSON
    /// A key repeats within one object of the event, its `detail` or the code's payload (spec §2).
    case duplicateKey
    /// A required field of the event (spec §2) is absent.
    case missingField
    /// A field has the wrong JSON type (spec §2).
    case badType
    /// A field has the right type but breaks its rule (spec §2), e.g. `v` ≠ 1.
    case badValue
    /// `scenario` is not an id of the scenario table.
    case unknownScenario
    /// `district` is not a code of the district table.
    case unknownDistrict
    /// `detail` lacks a required field of its scenario or has one of the wrong type (spec §6).
    case badDetail
    /// `code` is not `YKM1.<payload>.<signature>` in strict unpadded base64url (spec §3).
    case badCode
    /// The payload is not a JSON object with its required fields (spec §3).
    case badPayload
    /// The signature bytes are not of the form the key's algorithm requires (strict DER, or 64 bytes for Ed25519).
    case badSignatureEncoding
    /// `scanned_at` is more than 5 minutes after the processor's wall clock (spec §5).
    case clockAhead

    /// Number of reasons: the size of the unattributed-counter dimension.
    public static let count = 14

    /// The wire name carried in the rejected topic's `reason` header, e.g. `"bad_json"`.
    public var name: String {
        switch self {
        case .tooLarge: "too_large"
        case .tooDeep: "too_deep"
        case .badJSON: "bad_json"
        case .duplicateKey: "duplicate_key"
        case .missingField: "missing_field"
        case .badType: "bad_type"
        case .badValue: "bad_value"
        case .unknownScenario: "unknown_scenario"
        case .unknownDistrict: "unknown_district"
        case .badDetail: "bad_detail"
        case .badCode: "bad_code"
        case .badPayload: "bad_payload"
        case .badSignatureEncoding: "bad_signature_encoding"
        case .clockAhead: "clock_ahead"
        }
    }

    /// Parses a wire name (``name``); `nil` for anything else.
    public init?(name: String) {
        guard let r = MalformedReason.allCases.first(where: { $0.name == name }) else { return nil }
        self = r
    }
}
