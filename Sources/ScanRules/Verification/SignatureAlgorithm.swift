/// Signature algorithm of a key registry entry (spec §3 "Algorithms", §4).
///
/// The raw value is the registry's `alg` string. The algorithm of a code is
/// always taken from the registry entry of its (`iss`, `kid`), never from the code.
/// - `sm2`: SM2 with SM3 over `ZA ‖ M` (GB/T 32918.2), curve sm2p256v1, strict-DER signature.
/// - `es256`: ECDSA P-256 with SHA-256 (FIPS 186-4), strict-DER signature.
/// - `ed25519`: Ed25519 (RFC 8032, strict S < L), 64 raw signature bytes.
public enum SignatureAlgorithm: String, Sendable, CaseIterable {
    case sm2 = "SM2"
    case es256 = "ES256"
    case ed25519 = "Ed25519"
}
