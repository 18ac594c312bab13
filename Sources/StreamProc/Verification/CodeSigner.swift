import CLibcrypto
import Crypto
import Foundation

/// Signs code payloads with a fresh key, for benchmarks and load generators.
///
/// Produces what the spec (§3) requires and `RegisteredKey.verify` accepts: strict DER
/// `SEQUENCE { r, s }` for SM2 (SM3 over ZA ‖ M with the given distid, GB/T 32918.2) and
/// ES256 (ECDSA P-256 / SHA-256), 64 raw bytes for Ed25519 (RFC 8032).
public struct CodeSigner: Sendable {
    /// The signer's algorithm.
    public let algorithm: SignatureAlgorithm
    /// The public key as the registry's `public_key` hex (130 hex chars `04…` for
    /// SM2/ES256, 64 hex chars for Ed25519).
    public let publicKeyHex: String
    /// SM2 distinguishing id used for ZA; nil for ES256 and Ed25519.
    public let distid: String?

    private enum Backend: Sendable {
        case sm2(SM2PrivateKey)
        case es256(P256.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
    }
    private let backend: Backend

    /// Generates a new random key pair for `alg`.
    /// - Parameter distid: SM2 only (1–8191 bytes, default `1234567812345678`, GM/T 0009).
    /// - Throws: `CodeSignerError` if key generation fails or the distid is unusable.
    public static func generate(_ alg: SignatureAlgorithm, distid: String = "1234567812345678") throws -> CodeSigner {
        switch alg {
        case .sm2:
            guard !distid.utf8.isEmpty, distid.utf8.count <= SM2Parameters.maxDistidBytes else {
                throw CodeSignerError(problem: "distid must be 1–\(SM2Parameters.maxDistidBytes) bytes")
            }
            let key = try SM2PrivateKey(distid: Array(distid.utf8))
            return CodeSigner(algorithm: alg, publicKeyHex: Hex.encode(key.publicPoint), distid: distid, backend: .sm2(key))
        case .es256:
            let key = P256.Signing.PrivateKey()
            return CodeSigner(algorithm: alg, publicKeyHex: Hex.encode([UInt8](key.publicKey.x963Representation)),
                              distid: nil, backend: .es256(key))
        case .ed25519:
            let key = Curve25519.Signing.PrivateKey()
            return CodeSigner(algorithm: alg, publicKeyHex: Hex.encode([UInt8](key.publicKey.rawRepresentation)),
                              distid: nil, backend: .ed25519(key))
        }
    }

    /// Signs the exact `message` bytes (the code payload).
    /// - Returns: DER for SM2/ES256, 64 bytes for Ed25519.
    /// - Throws: `CodeSignerError` when the backend fails.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        switch backend {
        case .sm2(let key): return try key.sign(message)
        case .es256(let key):
            do { return [UInt8](try key.signature(for: message).derRepresentation) }
            catch { throw CodeSignerError(problem: "ES256 signing failed: \(error)") }
        case .ed25519(let key):
            do { return [UInt8](try key.signature(for: message)) }
            catch { throw CodeSignerError(problem: "Ed25519 signing failed: \(error)") }
        }
    }

    /// A registry entry for this key as one JSON object text (spec §4), e.g. for a
    /// load generator's `keys.json`. `issuer`/`keyID` must not need JSON escaping.
    public func registryEntryJSON(issuer: String, keyID: String, status: KeyStatus = .active) -> String {
        var s = "{\"iss\":\"\(issuer)\",\"kid\":\"\(keyID)\",\"alg\":\"\(algorithm.rawValue)\","
        s += "\"public_key\":\"\(publicKeyHex)\","
        if let distid { s += "\"distid\":\"\(distid)\"," }
        s += "\"status\":\"\(status.rawValue)\"}"
        return s
    }
}

/// A `CodeSigner` failure (key generation or signing in the backend).
public struct CodeSignerError: Error, CustomStringConvertible {
    /// What failed.
    public let problem: String
    public var description: String { "code signer: \(problem)" }
}

/// An SM2 private key in libcrypto plus its ZA (internal to `CodeSigner`).
final class SM2PrivateKey: @unchecked Sendable {
    // @unchecked: the EVP_PKEY is immutable after generation; each sign call uses its own ctx.
    private let pkey: OpaquePointer
    let publicPoint: [UInt8]
    let za: [UInt8]

    init(distid: [UInt8]) throws {
        guard let pkey = streamproc_sm2_generate() else { throw CodeSignerError(problem: "SM2 key generation failed") }
        var point = [UInt8](repeating: 0, count: 65)
        let n = point.withUnsafeMutableBufferPointer { streamproc_ec_public_point(pkey, $0.baseAddress, $0.count) }
        guard n == 65, let za = SM2Parameters.za(distid: distid, publicPoint: point) else {
            EVP_PKEY_free(pkey)
            throw CodeSignerError(problem: "SM2 public point export failed")
        }
        self.pkey = pkey
        self.publicPoint = point
        self.za = za
    }

    deinit { EVP_PKEY_free(pkey) }

    /// DER signature over e = SM3(ZA ‖ message) (GB/T 32918.2 §6.1).
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        let e = SM3.hash(za, message)
        guard e.count == 32, let ctx = streamproc_sign_ctx(pkey) else {
            throw CodeSignerError(problem: "SM2 sign init failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        var sig = [UInt8](repeating: 0, count: 80)
        var len = sig.count
        let rc = sig.withUnsafeMutableBufferPointer { ps in
            EVP_PKEY_sign(ctx, ps.baseAddress, &len, e, 32)
        }
        guard rc == 1 else {
            ERR_clear_error()
            throw CodeSignerError(problem: "SM2 signing failed")
        }
        return Array(sig[0..<len])
    }
}
