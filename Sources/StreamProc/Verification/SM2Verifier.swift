import CLibcrypto
import Synchronization

/// SM2 signature verification with SM3 (GB/T 32918.2) via OpenSSL 3 libcrypto.
///
/// Per key, once: the public point (validated with `EVP_PKEY_public_check` at load) and
/// ZA with the key's distid (OpenSSL 3.0's empty default distid is never used). Per call:
/// strict DER parse, e = SM3(ZA ‖ M), then the verification equation of GB/T 32918.2
/// §7.1 B5–B7 on the curve with libcrypto's EC arithmetic and a generator table
/// precomputed once for all keys (about 15–20% fewer CPU cycles than `EVP_PKEY_verify`,
/// which has no table for sm2p256v1). Scratch state is pooled per concurrent caller.
/// `verifyWithEVP` keeps the plain `EVP_PKEY_verify` path for differential tests.
final class SM2Verifier: SignatureVerifier, @unchecked Sendable {
    // @unchecked: `pkey`, `point` and the shared group are immutable after init and only
    // read concurrently; each pooled scratch is used by one thread at a time.
    private let pkey: OpaquePointer
    private let point: OpaquePointer
    let za: [UInt8]
    private let pool = Mutex<[SM2Scratch]>([])
    private let evpPool = Mutex<[SM2VerifyContext]>([])
    private static let maxPooled = 64

    /// sm2p256v1 with precomputed multiples of G, shared read-only by all keys and threads.
    nonisolated(unsafe) static let group: OpaquePointer? = streamproc_sm2_group()

    /// Loads the uncompressed point `04‖X‖Y`; nil when it is not a point on sm2p256v1
    /// or the distid is too long.
    init?(publicPoint: [UInt8], distid: [UInt8]) {
        guard publicPoint.count == 65, publicPoint[0] == 0x04, let group = Self.group,
              let za = SM2Parameters.za(distid: distid, publicPoint: publicPoint) else { return nil }
        guard let pkey = publicPoint.withUnsafeBufferPointer({
            streamproc_sm2_public_key($0.baseAddress, $0.count)
        }) else { return nil }
        guard let point = publicPoint.withUnsafeBufferPointer({
            streamproc_ec_point(group, $0.baseAddress, $0.count)
        }) else { EVP_PKEY_free(pkey); return nil }
        self.pkey = pkey
        self.point = point
        self.za = za
    }

    deinit {
        EVP_PKEY_free(pkey)
        EC_POINT_free(point)
    }

    func checkEncoding(_ signature: [UInt8]) -> Bool {
        DERSignature.isStrictDER(signature)
    }

    func verify(message: [UInt8], signature: [UInt8]) -> SignatureCheck {
        let r: Range<Int>, s: Range<Int>
        switch DERSignature.parse(signature, order: DERSignature.sm2Order) {
        case .badEncoding: return .badEncoding
        case .outOfRange: return .invalid
        case .scalars(let rr, let ss): (r, s) = (rr, ss)
        }
        guard let group = Self.group, let scratch = take() else { return .invalid }
        defer { giveBack(scratch) }
        return scratch.verify(group: group, point: point, za: za, message: message,
                              signature: signature, r: r, s: s) ? .valid : .invalid
    }

    /// The same check through `EVP_PKEY_verify` on e (OpenSSL's SM2 signature provider).
    func verifyWithEVP(message: [UInt8], signature: [UInt8]) -> SignatureCheck {
        switch DERSignature.parse(signature, order: DERSignature.sm2Order) {
        case .badEncoding: return .badEncoding
        case .outOfRange: return .invalid
        case .scalars: break
        }
        guard let ctx = evpPool.withLock({ $0.popLast() }) ?? SM2VerifyContext(pkey: pkey) else { return .invalid }
        defer { evpPool.withLock { if $0.count < Self.maxPooled { $0.append(ctx) } } }
        return ctx.verify(za: za, message: message, signature: signature) ? .valid : .invalid
    }

    /// e = SM3(ZA ‖ M) for this key (GB/T 32918.2 §6.1 A1–A2); exposed for tests.
    func digest(message: [UInt8]) -> [UInt8] {
        SM3.hash(za, message)
    }

    private func take() -> SM2Scratch? {
        if let scratch = pool.withLock({ $0.popLast() }) { return scratch }
        guard let group = Self.group else { return nil }
        return SM2Scratch(group: group)
    }

    private func giveBack(_ scratch: SM2Scratch) {
        pool.withLock { all in
            if all.count < Self.maxPooled { all.append(scratch) }
        }
    }
}

/// One caller's scratch for the direct SM2 equation: an EVP_MD_CTX for SM3 and the
/// BN_CTX/BIGNUMs/EC_POINT of `streamproc_sm2_verify_digest`. One thread at a time.
final class SM2Scratch: @unchecked Sendable {
    private let mctx: OpaquePointer
    private let work: UnsafeMutablePointer<streamproc_sm2_scratch>

    init?(group: OpaquePointer) {
        guard SM3.md != nil, let mctx = EVP_MD_CTX_new() else { return nil }
        guard let work = streamproc_sm2_scratch_new(group) else { EVP_MD_CTX_free(mctx); return nil }
        self.mctx = mctx
        self.work = work
    }

    deinit {
        EVP_MD_CTX_free(mctx)
        streamproc_sm2_scratch_free(work)
    }

    /// True when (r, s) — magnitude ranges of `signature`, already in [1, n−1] — verify
    /// over e = SM3(ZA ‖ message).
    func verify(group: OpaquePointer, point: OpaquePointer, za: [UInt8], message: [UInt8],
                signature: [UInt8], r: Range<Int>, s: Range<Int>) -> Bool {
        guard let md = SM3.md else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { e in
            let hashed = za.withUnsafeBufferPointer { pz in
                message.withUnsafeBufferPointer { pm in
                    streamproc_sm3_2(mctx, md, pz.baseAddress, pz.count, pm.baseAddress, pm.count, e.baseAddress)
                }
            }
            guard hashed == 1, let eb = e.baseAddress else { ERR_clear_error(); return false }
            return signature.withUnsafeBufferPointer { sig in
                guard let base = sig.baseAddress else { return false }
                return streamproc_sm2_verify_digest(group, point, work, eb,
                                                    base + r.lowerBound, r.count,
                                                    base + s.lowerBound, s.count) == 1
            }
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
