import CLibcrypto
import Crypto

/// One signing key of the load generator: its registry identity (`iss`, `kid`,
/// `alg`, `distid`, `status`, spec v1 §4) plus the private key, which stays in
/// memory unless a caller explicitly writes ``privateKeyHex`` somewhere.
///
/// Keys are derived from 32 bytes of key material (the generator draws it from its
/// seed, so a seed reproduces the same registry; treat seeds as test-only secrets).
/// Thread-safe: the key is immutable after creation; each signing thread uses its
/// own ``LoadSigner`` session.
public final class LoadSigningKey: @unchecked Sendable {
    /// Default SM2 distinguishing id (GM/T 0009), used when a key has no `distid`.
    public static let defaultDistid = "1234567812345678"

    /// Issuer id, e.g. `"CQ-YKM"`.
    public let iss: String
    /// Key id within the issuer, e.g. `"ykm-gen-a"`.
    public let kid: String
    /// The registry algorithm.
    public let alg: LoadAlgorithm
    /// SM2 distinguishing id (`nil` for ES256/Ed25519).
    public let distid: String?
    /// Whether the registry marks the key `revoked` (its codes get `revoked_key`).
    public let revoked: Bool
    /// Whether the key appears in the public registry at all (unregistered keys sign `unknown_key` codes).
    public let registered: Bool
    /// The public key as the registry writes it: SEC1 uncompressed `04‖X‖Y` (65 bytes)
    /// for SM2/ES256, 32 bytes for Ed25519.
    public let publicKey: [UInt8]
    /// The private key: the 32-byte scalar (SM2/ES256) or the 32-byte seed (Ed25519).
    let privateKey: [UInt8]

    enum Backing {
        /// `EVP_PKEY *` and ZA = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) (GB/T 32918.2 §5.5).
        case sm2(pkey: OpaquePointer, za: [UInt8])
        case es256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }
    let backing: Backing

    /// Errors of key construction.
    public enum KeyError: Error, Equatable {
        /// The 32 bytes are not a valid private key for the algorithm (e.g. scalar 0 or ≥ n).
        case invalidPrivateKey
    }

    /// Creates a key from 32 bytes of private key material.
    /// - Throws: ``KeyError/invalidPrivateKey`` when `material` is not 32 bytes or not a valid scalar.
    public init(iss: String, kid: String, alg: LoadAlgorithm, privateKey material: [UInt8],
                distid: String? = nil, revoked: Bool = false, registered: Bool = true) throws {
        guard material.count == 32 else { throw KeyError.invalidPrivateKey }
        self.iss = iss; self.kid = kid; self.alg = alg
        self.revoked = revoked; self.registered = registered
        self.privateKey = material
        switch alg {
        case .sm2:
            guard LoadSM2Curve.isValidPrivateScalar(material) else { throw KeyError.invalidPrivateKey }
            var pub = [UInt8](repeating: 0, count: 65)
            let pkey = material.withUnsafeBufferPointer { d in
                pub.withUnsafeMutableBufferPointer { p in
                    streamproc_load_sm2_keypair(d.baseAddress, p.baseAddress)
                }
            }
            guard let pkey else { throw KeyError.invalidPrivateKey }
            let id = distid ?? LoadSigningKey.defaultDistid
            self.distid = id
            self.publicKey = pub
            self.backing = .sm2(pkey: pkey, za: LoadSM2Curve.za(distid: Array(id.utf8), publicKey: pub))
        case .es256:
            guard let k = try? P256.Signing.PrivateKey(rawRepresentation: material) else {
                throw KeyError.invalidPrivateKey
            }
            self.distid = nil
            self.publicKey = Array(k.publicKey.x963Representation)
            self.backing = .es256(k)
        case .ed25519:
            guard let k = try? Curve25519.Signing.PrivateKey(rawRepresentation: material) else {
                throw KeyError.invalidPrivateKey
            }
            self.distid = nil
            self.publicKey = Array(k.publicKey.rawRepresentation)
            self.backing = .ed25519(k)
        }
    }

    deinit {
        if case .sm2(let pkey, _) = backing { EVP_PKEY_free(pkey) }
    }

    /// The public key in lowercase hex, as in the registry's `public_key`.
    public var publicKeyHex: String { Hex.encode(publicKey) }
    /// The private key in lowercase hex. Only for an explicitly requested private file.
    public var privateKeyHex: String { Hex.encode(privateKey) }
}
