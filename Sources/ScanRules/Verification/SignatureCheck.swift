/// Outcome of verifying one code signature (spec §3, §5).
///
/// - `valid`: the signature verifies over the exact payload bytes.
/// - `invalid`: well-formed but does not verify, including r or s outside
///   [1, n−1] and Ed25519 S ≥ L → verdict `invalid_signature`.
/// - `badEncoding`: the bytes do not have the form the algorithm requires
///   (strict DER for SM2/ES256, 64 bytes for Ed25519) → verdict
///   `malformed` (reason `bad_signature_encoding`).
public enum SignatureCheck: Sendable, Equatable {
    case valid
    case invalid
    case badEncoding
}
