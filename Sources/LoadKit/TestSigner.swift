import ScanRules
import KafkaIO
import LiveView
import Aggregates
import CLibcrypto
import Crypto

/// A TEST-ONLY signing session of the load generator, the benchmarks and the tests: signs code payloads (spec v1 §3, "the
/// signed message is the exact payload bytes") with ``TestSigningKey``s.
///
/// - SM2: e = SM3(ZA ‖ M) with the key's precomputed ZA (GB/T 32918.2 §6.1, distid
///   from the key, default `1234567812345678`), then OpenSSL's SM2 sign of e;
///   output DER `SEQUENCE{r,s}`. Computing ZA here sidesteps OpenSSL 3.0's empty
///   default distid.
/// - ES256: swift-crypto P-256 ECDSA over SHA-256, `derRepresentation` (DER).
/// - Ed25519: swift-crypto, 64 raw bytes.
///
/// SM2 and ECDSA signatures are randomized (fresh k per signature). Not thread-safe:
/// create one session per task or thread (it caches OpenSSL contexts per key).
public final class TestSigner {
    private var sm2Contexts: [(key: TestSigningKey, ctx: OpaquePointer)] = []
    private var fastSM2: InsecureSM2Signer?
    /// Whether SM2 uses ``InsecureSM2Signer`` (wNAF with a precomputed table, ~4× faster,
    /// NOT constant-time: synthetic test keys only) instead of OpenSSL's `EVP_PKEY_sign`. Default true.
    public var fastSM2Signing = true

    /// A fresh session.
    public init() {}

    deinit {
        for c in sm2Contexts { EVP_PKEY_CTX_free(c.ctx) }
    }

    /// Signs `message` (the exact payload bytes) with `key`.
    /// - Returns: DER `SEQUENCE{r,s}` (SM2, ES256) or 64 raw bytes (Ed25519); `nil` only
    ///   when the crypto library fails.
    public func sign(_ message: [UInt8], with key: TestSigningKey) -> [UInt8]? {
        switch key.backing {
        case .sm2(let pkey, let za):
            return signSM2(message, key: key, pkey: pkey, za: za)
        case .es256(let k):
            return (try? k.signature(for: message)).map { Array($0.derRepresentation) }
        case .ed25519(let k):
            return (try? k.signature(for: message)).map { Array($0) }
        }
    }

    private func signSM2(_ message: [UInt8], key: TestSigningKey, pkey: OpaquePointer, za: [UInt8]) -> [UInt8]? {
        guard za.count == 32 else { return nil }
        let e = SM3.hash(za, message)  // e = SM3(ZA ‖ M), GB/T 32918.2 §6.1
        guard e.count == 32 else { return nil }
        if fastSM2Signing {
            if fastSM2 == nil { fastSM2 = InsecureSM2Signer() }
            return fastSM2?.sign(digest: e, key: key)
        }
        guard let ctx = context(for: key, pkey: pkey) else { return nil }
        var sig = [UInt8](repeating: 0, count: 80)  // DER of two 32-byte INTEGERs: at most 72
        var siglen = sig.count
        let rc = sig.withUnsafeMutableBufferPointer { s in
            e.withUnsafeBufferPointer { EVP_PKEY_sign(ctx, s.baseAddress, &siglen, $0.baseAddress, 32) }
        }
        guard rc == 1, siglen <= sig.count else { return nil }
        sig.removeLast(sig.count - siglen)
        return sig
    }

    /// The session's `EVP_PKEY_CTX` for `key`, initialised for signing (created once).
    private func context(for key: TestSigningKey, pkey: OpaquePointer) -> OpaquePointer? {
        if let c = sm2Contexts.first(where: { $0.key === key }) { return c.ctx }
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { return nil }
        guard EVP_PKEY_sign_init(ctx) == 1 else { EVP_PKEY_CTX_free(ctx); return nil }
        sm2Contexts.append((key, ctx))
        return ctx
    }

    /// Verifies an SM2 signature through OpenSSL's own ZA path (`EVP_DigestVerify` with
    /// the distid set by `EVP_PKEY_CTX_set1_id`): an independent check of ``sign(_:with:)``
    /// for tests. `publicKey` is `04‖X‖Y`.
    static func verifySM2(message: [UInt8], signature: [UInt8], publicKey: [UInt8], distid: String) -> Bool {
        guard let kctx = EVP_PKEY_CTX_new_from_name(nil, "SM2", nil) else { return false }
        defer { EVP_PKEY_CTX_free(kctx) }
        var pkey: OpaquePointer?
        // OSSL_PARAM keeps the key and buffer pointers: use static strings (a Swift
        // String passed as `const char *` lives only for the call).
        let groupKey: StaticString = "group", pubKey: StaticString = "pub", groupName: StaticString = "SM2"
        var pub = publicKey
        let ok: Bool = pub.withUnsafeMutableBufferPointer { p in
            var params: [OSSL_PARAM] = [
                OSSL_PARAM_construct_utf8_string(
                    UnsafeRawPointer(groupKey.utf8Start).assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(mutating: groupName.utf8Start).assumingMemoryBound(to: CChar.self), 3),
                OSSL_PARAM_construct_octet_string(
                    UnsafeRawPointer(pubKey.utf8Start).assumingMemoryBound(to: CChar.self), p.baseAddress, p.count),
                OSSL_PARAM_construct_end(),
            ]
            return EVP_PKEY_fromdata_init(kctx) == 1
                && EVP_PKEY_fromdata(kctx, &pkey, 0x86 /* EVP_PKEY_PUBLIC_KEY */, &params) == 1
        }
        guard ok, let pkey else { return false }
        defer { EVP_PKEY_free(pkey) }
        guard let mctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(mctx) }
        guard let vctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else { return false }
        let id = Array(distid.utf8)
        guard id.withUnsafeBytes({ EVP_PKEY_CTX_set1_id(vctx, $0.baseAddress, Int32($0.count)) }) == 1 else {
            EVP_PKEY_CTX_free(vctx); return false
        }
        EVP_MD_CTX_set_pkey_ctx(mctx, vctx)  // mctx does not own vctx
        defer { EVP_PKEY_CTX_free(vctx) }
        guard EVP_DigestVerifyInit(mctx, nil, EVP_sm3(), nil, pkey) == 1 else { return false }
        return signature.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                EVP_DigestVerify(mctx, s.baseAddress, s.count, m.baseAddress, m.count)
            }
        } == 1
    }
}
