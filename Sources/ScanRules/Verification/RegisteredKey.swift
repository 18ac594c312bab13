/// One key registry entry (spec §4) with its precomputed per-key state: the parsed
/// public key and, for SM2, the ZA of its distid (GB/T 32918.2 §5.5).
///
/// Immutable and thread-safe: `verify` may be called concurrently from many threads.
public final class RegisteredKey: Sendable {
    /// Issuer id (`iss`), e.g. `CQ-YKM`.
    public let issuer: String
    /// Key id within the issuer (`kid`).
    public let keyID: String
    /// The algorithm of this entry; the only source of a code's algorithm (spec §3).
    public let algorithm: SignatureAlgorithm
    /// `active` or `revoked`.
    public let status: KeyStatus
    /// The SM2 distinguishing id in effect (registry `distid` or the GM/T 0009 default);
    /// nil for ES256 and Ed25519.
    public let distid: String?
    /// The public key bytes: 65-byte uncompressed point (SM2, ES256) or 32 bytes (Ed25519).
    public let publicKey: [UInt8]

    let verifier: any SignatureVerifier

    init(issuer: String, keyID: String, algorithm: SignatureAlgorithm, status: KeyStatus,
         distid: String?, publicKey: [UInt8], verifier: any SignatureVerifier) {
        self.issuer = issuer
        self.keyID = keyID
        self.algorithm = algorithm
        self.status = status
        self.distid = distid
        self.publicKey = publicKey
        self.verifier = verifier
    }

    /// Builds an entry, loading and validating the key. Returns a problem text when the
    /// key is not usable:
    /// - Ed25519: not the canonical encoding of a point of edwards25519 (y ≥ p, x = 0
    ///   with the sign bit set, or off the curve; RFC 8032 §5.1.3), or a small-order
    ///   point (one of the 8 torsion points, `Ed25519SmallOrder`): swift-crypto accepts
    ///   all of these, so they are checked here.
    /// - SM2 / ES256: not an uncompressed SEC1 point `04‖X‖Y` of 65 bytes, a coordinate
    ///   ≥ p, off the curve, or the point at infinity (SEC 1 §2.3.4). Refused by the
    ///   backends (OpenSSL `EVP_PKEY_fromdata` + `EVP_PKEY_public_check` and the
    ///   pure-Swift `SM2AffinePoint` for SM2, swift-crypto for P-256); covered by
    ///   `VerificationRegistryHardeningTests`.
    /// Also fails when the distid is unusable.
    static func load(issuer: String, keyID: String, algorithm: SignatureAlgorithm, status: KeyStatus,
                     distid: String?, publicKey: [UInt8]) -> Result<RegisteredKey, KeyLoadProblem> {
        if algorithm == .ed25519, let order = Ed25519SmallOrder.order(of: publicKey) {
            return .failure(KeyLoadProblem(
                text: "public_key is a small-order point of edwards25519 (order \(order)); it would accept forged signatures"))
        }
        let verifier: (any SignatureVerifier)?
        var effectiveDistid: String? = nil
        switch algorithm {
        case .sm2:
            let id = distid ?? SM2Parameters.defaultDistid
            effectiveDistid = id
            verifier = SM2Verifier(publicPoint: publicKey, distid: Array(id.utf8))
        case .es256:
            verifier = ES256Verifier(publicPoint: publicKey)
        case .ed25519:
            verifier = Ed25519Verifier(publicKey: publicKey)
        }
        guard let verifier else { return .failure(KeyLoadProblem(text: "public_key is not a valid point of \(algorithm.curveName)")) }
        return .success(RegisteredKey(issuer: issuer, keyID: keyID, algorithm: algorithm, status: status,
                                      distid: effectiveDistid, publicKey: publicKey, verifier: verifier))
    }

    /// Strict form check only (strict DER for SM2/ES256, exactly 64 bytes for Ed25519;
    /// spec §3). Cheap; `false` → verdict `malformed` (`bad_signature_encoding`).
    public func checkEncoding(_ signature: [UInt8]) -> Bool {
        verifier.checkEncoding(signature)
    }

    /// Full verification of `signature` over the exact `message` bytes (the decoded
    /// payload, spec §3). Thread-safe. Does not look at `status` (rule 3 is the caller's).
    public func verify(message: [UInt8], signature: [UInt8]) -> SignatureCheck {
        verifier.verify(message: message, signature: signature)
    }

    /// SM2 only: ZA of this key (32 bytes), nil for other algorithms. For tests and diagnostics.
    public var sm2ZA: [UInt8]? { (verifier as? SM2Verifier)?.za }

    /// SM2 only: e = SM3(ZA ‖ message) (32 bytes), nil for other algorithms.
    public func sm2Digest(message: [UInt8]) -> [UInt8]? { (verifier as? SM2Verifier)?.digest(message: message) }
}

/// Why a key failed to load (internal; wrapped into `KeyRegistryError`).
struct KeyLoadProblem: Error {
    let text: String
}

extension SignatureAlgorithm {
    /// Curve name for messages: sm2p256v1, P-256, edwards25519.
    var curveName: String {
        switch self {
        case .sm2: return "sm2p256v1"
        case .es256: return "P-256"
        case .ed25519: return "edwards25519"
        }
    }
}
