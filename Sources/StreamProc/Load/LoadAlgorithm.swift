/// A signature algorithm of the key registry (spec v1 §3, "Algorithms"), as the
/// load generator uses it. Raw values are the registry's `alg` strings.
public enum LoadAlgorithm: String, CaseIterable, Sendable, Hashable {
    /// SM2 over SM3(ZA ‖ M), GB/T 32918.2; DER `SEQUENCE{r,s}` signatures.
    case sm2 = "SM2"
    /// ECDSA P-256 with SHA-256 (FIPS 186-4); DER `SEQUENCE{r,s}` signatures.
    case es256 = "ES256"
    /// Ed25519 (RFC 8032); 64 raw signature bytes.
    case ed25519 = "Ed25519"
}
