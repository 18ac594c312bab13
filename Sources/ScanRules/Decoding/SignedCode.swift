/// A code of form `YKM1.<payload>.<signature>` (spec v1 §3) after strict base64url decoding.
public struct SignedCode: Sendable {
    /// The exact signed message: the payload bytes after base64url decoding (never re-serialised).
    public let payload: [UInt8]
    /// The signature bytes after base64url decoding. Their form (strict DER or 64 raw bytes) is
    /// NOT checked here: it depends on the registry key's algorithm (→ `bad_signature_encoding` later).
    public let signature: [UInt8]
    /// The payload's claims, checked for form.
    public let claims: CodeClaims

    public init(payload: [UInt8], signature: [UInt8], claims: CodeClaims) {
        self.payload = payload
        self.signature = signature
        self.claims = claims
    }
}
