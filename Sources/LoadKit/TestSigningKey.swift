import ScanRules
import KafkaIO
import LiveView
import Aggregates
import CLibcrypto
import Crypto

/// A TEST-ONLY signing key of the load generator, the benchmarks and the tests: its registry identity (`iss`, `kid`,
/// `alg`, `distid`, `status`, spec v1 §4) plus the private key, which stays in
/// memory unless a caller explicitly writes ``privateKeyHex`` somewhere.
///
/// Keys are derived from 32 bytes of key material (the generator draws it from its
/// seed, so a seed reproduces the same registry; treat seeds as test-only secrets).
/// Thread-safe: the key is immutable after creation; each signing thread uses its
/// own ``TestSigner`` session.
public final class TestSigningKey: @unchecked Sendable {
    /// Issuer id, e.g. `"CQ-YKM"`.
    public let iss: String
    /// Key id within the issuer, e.g. `"ykm-gen-a"`.
    public let kid: String
    /// The registry algorithm.
    public let alg: SignatureAlgorithm
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
        /// An SM2 distid of 0 or more than 8191 bytes.
        case invalidDistid
        /// The crypto library failed to sign.
        case signingFailed
    }

    /// Creates a key from 32 bytes of private key material.
    /// - Throws: ``KeyError/invalidPrivateKey`` when `material` is not 32 bytes or not a valid scalar.
    public init(iss: String, kid: String, alg: SignatureAlgorithm, privateKey material: [UInt8],
                distid: String? = nil, revoked: Bool = false, registered: Bool = true) throws {
        guard material.count == 32 else { throw KeyError.invalidPrivateKey }
        self.iss = iss; self.kid = kid; self.alg = alg
        self.revoked = revoked; self.registered = registered
        self.privateKey = material
        switch alg {
        case .sm2:
            guard Self.isValidSM2Scalar(material) else { throw KeyError.invalidPrivateKey }
            var pub = [UInt8](repeating: 0, count: 65)
            let pkey = material.withUnsafeBufferPointer { d in
                pub.withUnsafeMutableBufferPointer { p in
                    streamproc_load_sm2_keypair(d.baseAddress, p.baseAddress)
                }
            }
            guard let pkey else { throw KeyError.invalidPrivateKey }
            let id = distid ?? SM2Parameters.defaultDistid
            self.distid = id
            self.publicKey = pub
            self.backing = .sm2(pkey: pkey, za: SM2Parameters.za(distid: Array(id.utf8), publicPoint: pub) ?? [])
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

    /// A fresh random key (material from the system's CSPRNG), e.g. for a test or a benchmark.
    /// - Parameters:
    ///   - alg: the registry algorithm.
    ///   - distid: SM2 only: the distinguishing id (1–8191 bytes; default
    ///     `SM2Parameters.defaultDistid`, GM/T 0009).
    ///   - iss, kid: the registry identity (spec §4).
    /// - Throws: ``KeyError/invalidDistid`` for an unusable SM2 distid.
    public static func generate(_ alg: SignatureAlgorithm, distid: String = SM2Parameters.defaultDistid,
                                iss: String = "TEST", kid: String = "test-1") throws -> TestSigningKey {
        if alg == .sm2, distid.utf8.isEmpty || distid.utf8.count > SM2Parameters.maxDistidBytes {
            throw KeyError.invalidDistid
        }
        var rng = SystemRandomNumberGenerator()
        while true {
            let material = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let k = try? TestSigningKey(iss: iss, kid: kid, alg: alg, privateKey: material,
                                           distid: alg == .sm2 ? distid : nil) {
                return k
            }
        }
    }

    /// The registry algorithm (same as ``alg``).
    public var algorithm: SignatureAlgorithm { alg }

    /// Signs the exact `message` bytes (the code payload) with a one-off ``TestSigner``
    /// session; for loops, keep a session and call ``TestSigner/sign(_:with:)``.
    /// - Returns: DER `SEQUENCE{r,s}` for SM2/ES256, 64 raw bytes for Ed25519.
    /// - Throws: ``KeyError/signingFailed`` when the crypto library fails.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard let sig = TestSigner().sign(message, with: self) else { throw KeyError.signingFailed }
        return sig
    }

    /// A registry entry for this key as one JSON object text (spec §4), with the given
    /// identity and status. `issuer`/`keyID` must not need JSON escaping.
    public func registryEntryJSON(issuer: String, keyID: String, status: KeyStatus = .active) -> String {
        var s = "{\"iss\":\"\(issuer)\",\"kid\":\"\(keyID)\",\"alg\":\"\(alg.rawValue)\","
        s += "\"public_key\":\"\(publicKeyHex)\","
        if let distid { s += "\"distid\":\"\(distid)\"," }
        s += "\"status\":\"\(status.rawValue)\"}"
        return s
    }

    /// Whether a 32-byte big-endian scalar lies in [1, n−2] (GB/T 32918.1 §6.1).
    static func isValidSM2Scalar(_ d: [UInt8]) -> Bool {
        guard d.count == 32, d.contains(where: { $0 != 0 }) else { return false }
        var nMinus1 = SM2Parameters.n; nMinus1[31] -= 1  // n ends in 0x23, no borrow
        return d.lexicographicallyPrecedes(nMinus1)
    }

    deinit {
        if case .sm2(let pkey, _) = backing { EVP_PKEY_free(pkey) }
    }

    /// The public key in lowercase hex, as in the registry's `public_key`.
    public var publicKeyHex: String { Hex.encode(publicKey) }
    /// The private key in lowercase hex. Only for an explicitly requested private file.
    public var privateKeyHex: String { Hex.encode(privateKey) }
}
