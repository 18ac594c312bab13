import CLibcrypto
import Synchronization

/// SM2 signature verification with SM3 (GB/T 32918.2) via OpenSSL 3 libcrypto.
///
/// Per key, once: the public EVP_PKEY and ZA (with the key's distid; OpenSSL 3.0's
/// empty default distid is never used). Per call: e = SM3(ZA ‖ M), then
/// `EVP_PKEY_verify` on the 32-byte digest with a pooled, already initialised
/// EVP_PKEY_CTX (so neither ZA nor the provider fetch is repeated per event).
///
/// With `fastPath` (default `SM2Verifier.fastPathByDefault`), the final check
/// (GB/T 32918.2 §7.1 B5–B7) is done by the pure-Swift `SM2FastVerifier` instead of
/// `EVP_PKEY_verify`; the DER parse, ZA and the SM3 digest are the same for both paths.
/// The OpenSSL path stays as the reference.
///
/// Per-key state built here, i.e. once when `RegisteredKey.load` loads the registry
/// (and again on a registry reload): ZA, the EVP_PKEY and, on the fast path, the
/// fixed-base table of P_A (`SM2FastVerifier.keyWindow` = 10: 12,864 affine points,
/// 804 KiB, ~6 ms in a release build on the 2-core dev machine; the shared table of G,
/// 2.6 MiB, is built once per process on first use).
final class SM2Verifier: SignatureVerifier, @unchecked Sendable {
    // @unchecked: `pkey` is immutable after init (OpenSSL 3 EVP_PKEYs are safe for
    // concurrent read use); each pooled context is used by one thread at a time.
    private let pkey: OpaquePointer
    let za: [UInt8]
    private let pool = Mutex<[SM2VerifyContext]>([])
    private static let maxPooled = 64
    /// Whether new verifiers use the pure-Swift fast path unless told otherwise.
    static let fastPathByDefault = true
    /// The pure-Swift verifier of this key; nil when the OpenSSL path is selected.
    let fast: SM2FastVerifier?

    /// Loads the uncompressed point `04‖X‖Y`; nil when it is not a point on sm2p256v1
    /// or the distid is too long. On the fast path this builds the per-key table
    /// (milliseconds; call it at registry load, not per event).
    /// - Parameter fastPath: true → final check in pure Swift (`SM2FastVerifier`),
    ///   false → `EVP_PKEY_verify` (OpenSSL reference).
    init?(publicPoint: [UInt8], distid: [UInt8], fastPath: Bool = SM2Verifier.fastPathByDefault) {
        guard publicPoint.count == 65, publicPoint[0] == 0x04,
              let za = SM2Parameters.za(distid: distid, publicPoint: publicPoint) else { return nil }
        guard let pkey = publicPoint.withUnsafeBufferPointer({
            streamproc_sm2_public_key($0.baseAddress, $0.count)
        }) else { return nil }
        if fastPath {
            guard let fast = SM2FastVerifier(publicPoint: publicPoint) else { EVP_PKEY_free(pkey); return nil }
            self.fast = fast
        } else {
            self.fast = nil
        }
        self.pkey = pkey
        self.za = za
    }

    deinit { EVP_PKEY_free(pkey) }

    func checkEncoding(_ signature: [UInt8]) -> Bool {
        DERSignature.isStrictDER(signature)
    }

    func verify(message: [UInt8], signature: [UInt8]) -> SignatureCheck {
        switch DERSignature.parse(signature, order: DERSignature.sm2Order) {
        case .badEncoding: return .badEncoding
        case .outOfRange: return .invalid
        case .scalars(let r, let s):
            if let fast {
                guard let ctx = takeContext() else { return .invalid }
                defer { giveBack(ctx) }
                return ctx.verifyFast(fast, za: za, message: message, signature: signature, r: r, s: s) ? .valid : .invalid
            }
        }
        guard let ctx = takeContext() else { return .invalid }
        defer { giveBack(ctx) }
        return ctx.verify(za: za, message: message, signature: signature) ? .valid : .invalid
    }

    /// e = SM3(ZA ‖ M) for this key (GB/T 32918.2 §6.1 A1–A2); exposed for tests.
    func digest(message: [UInt8]) -> [UInt8] {
        SM3.hash(za, message)
    }

    private func takeContext() -> SM2VerifyContext? {
        if let ctx = pool.withLock({ $0.popLast() }) { return ctx }
        return SM2VerifyContext(pkey: pkey)
    }

    private func giveBack(_ ctx: SM2VerifyContext) {
        pool.withLock { contexts in
            if contexts.count < Self.maxPooled { contexts.append(ctx) }
        }
    }
}

/// One thread's working state for SM2 verification: an EVP_PKEY_CTX initialised for
/// verify and an EVP_MD_CTX for SM3. Used by one thread at a time (pooled).
final class SM2VerifyContext: @unchecked Sendable {
    private let pctx: OpaquePointer
    private let mctx: OpaquePointer

    init?(pkey: OpaquePointer) {
        guard SM3.md != nil else { return nil }
        guard let pctx = streamproc_verify_ctx(pkey) else { return nil }
        guard let mctx = EVP_MD_CTX_new() else { EVP_PKEY_CTX_free(pctx); return nil }
        self.pctx = pctx
        self.mctx = mctx
    }

    deinit {
        EVP_PKEY_CTX_free(pctx)
        EVP_MD_CTX_free(mctx)
    }

    /// Fast path: e = SM3(ZA ‖ message) with this context, then `fast` checks (r, s),
    /// given as ranges of `signature` (already strictly parsed).
    func verifyFast(_ fast: SM2FastVerifier, za: [UInt8], message: [UInt8], signature: [UInt8],
                    r: Range<Int>, s: Range<Int>) -> Bool {
        guard let md = SM3.md else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { e in
            let hashed = za.withUnsafeBufferPointer { pz in
                message.withUnsafeBufferPointer { pm in
                    streamproc_sm3_2(mctx, md, pz.baseAddress, pz.count, pm.baseAddress, pm.count, e.baseAddress)
                }
            }
            guard hashed == 1 else { ERR_clear_error(); return false }
            return signature.withUnsafeBufferPointer { sig in
                fast.verify(digest: UnsafeBufferPointer(e), r: UnsafeBufferPointer(rebasing: sig[r]),
                            s: UnsafeBufferPointer(rebasing: sig[s]))
            }
        }
    }

    /// True when `signature` (strict DER, already checked) verifies over SM3(ZA ‖ message).
    func verify(za: [UInt8], message: [UInt8], signature: [UInt8]) -> Bool {
        guard let md = SM3.md else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { e in
            let hashed = za.withUnsafeBufferPointer { pz in
                message.withUnsafeBufferPointer { pm in
                    streamproc_sm3_2(mctx, md, pz.baseAddress, pz.count, pm.baseAddress, pm.count, e.baseAddress)
                }
            }
            guard hashed == 1 else { ERR_clear_error(); return false }
            let rc = signature.withUnsafeBufferPointer { ps in
                EVP_PKEY_verify(pctx, ps.baseAddress, ps.count, e.baseAddress, 32)
            }
            if rc != 1 { ERR_clear_error() }
            return rc == 1
        }
    }
}
