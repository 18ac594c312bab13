import ScanRules
import KafkaIO
import LiveView
import Aggregates
import CLibcrypto

/// INSECURE, TEST-ONLY SM2 signing (GB/T 32918.2 §6.1) with OpenSSL's BIGNUM/EC arithmetic, faster than
/// `EVP_PKEY_sign` for a load generator: k·G goes through OpenSSL's wNAF multiplication
/// with a precomputed generator table (`EC_GROUP_precompute_mult`) instead of the
/// constant-time ladder OpenSSL 3.0 forces for secret scalars (about 4× faster). Not
/// constant-time: fine for synthetic test keys, not for real keys. Nonces k are fresh
/// from `BN_priv_rand_range` for every signature.
///
/// Given e = SM3(ZA ‖ M): k ∈ [1, n−1], (x1, y1) = k·G, r = (e + x1) mod n (retry if
/// r = 0 or r + k = n), s = (1 + d)⁻¹·(k − r·d) mod n (retry if s = 0); output DER
/// `SEQUENCE{INTEGER r, INTEGER s}`. Not thread-safe: one per ``TestSigner`` session.
final class InsecureSM2Signer {
    private let ctx: OpaquePointer?      // BN_CTX *
    private let group: OpaquePointer?    // EC_GROUP * with precomputation
    private let point: OpaquePointer?    // EC_POINT * scratch
    private let k = BN_new(), km1 = BN_new(), x1 = BN_new(), e = BN_new()
    private let r = BN_new(), s = BN_new(), t = BN_new()
    /// Per key: d and (1 + d)⁻¹ mod n.
    private var keys: [(key: TestSigningKey, d: OpaquePointer, dinv: OpaquePointer)] = []

    init() {
        ctx = BN_CTX_new()
        let g = EC_GROUP_new_by_curve_name(NID_sm2)
        if let g, EC_GROUP_precompute_mult(g, ctx) != 1 { /* still correct, just slower */ }
        group = g
        point = g.flatMap { EC_POINT_new($0) }
    }

    deinit {
        for k in keys { BN_clear_free(k.d); BN_clear_free(k.dinv) }
        for b in [k, km1, x1, e, r, s, t] { BN_clear_free(b) }
        EC_POINT_free(point)
        EC_GROUP_free(group)
        BN_CTX_free(ctx)
    }

    private func secrets(for key: TestSigningKey) -> (d: OpaquePointer, dinv: OpaquePointer)? {
        if let c = keys.first(where: { $0.key === key }) { return (c.d, c.dinv) }
        guard let group, let n = EC_GROUP_get0_order(group) else { return nil }
        let d = key.privateKey.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, 32, nil) }
        guard let d, let onePlusD = BN_new() else { return nil }
        defer { BN_free(onePlusD) }
        guard BN_add(onePlusD, d, BN_value_one()) == 1,
              let dinv = BN_mod_inverse(nil, onePlusD, n, ctx) else { BN_clear_free(d); return nil }
        keys.append((key, d, dinv))
        return (d, dinv)
    }

    /// Signs the 32-byte digest e = SM3(ZA ‖ M) with `key`; `nil` on an OpenSSL failure.
    func sign(digest: [UInt8], key: TestSigningKey) -> [UInt8]? {
        guard digest.count == 32, let group, let point, let ctx, let k, let km1, let x1, let e, let r, let s, let t,
              let n = EC_GROUP_get0_order(group), let gen = EC_GROUP_get0_generator(group),
              let (d, dinv) = secrets(for: key)
        else { return nil }
        guard digest.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, 32, e) }) != nil else { return nil }
        for _ in 0..<16 {
            guard BN_priv_rand_range(k, n) == 1 else { return nil }
            if BN_is_zero(k) == 1 { continue }
            // k·G = (k − 1)·G + 1·G: a scalar plus one point takes the wNAF path.
            guard BN_sub(km1, k, BN_value_one()) == 1,
                  EC_POINT_mul(group, point, km1, gen, BN_value_one(), ctx) == 1,
                  EC_POINT_get_affine_coordinates(group, point, x1, nil, ctx) == 1,
                  BN_mod_add(r, e, x1, n, ctx) == 1 else { return nil }
            if BN_is_zero(r) == 1 { continue }
            guard BN_add(t, r, k) == 1 else { return nil }
            if BN_cmp(t, n) == 0 { continue }
            guard BN_mod_mul(t, r, d, n, ctx) == 1, BN_mod_sub(t, k, t, n, ctx) == 1,
                  BN_mod_mul(s, dinv, t, n, ctx) == 1 else { return nil }
            if BN_is_zero(s) == 1 { continue }
            return Self.der(r, s)
        }
        return nil
    }

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` with minimal non-negative INTEGERs.
    private static func der(_ r: OpaquePointer, _ s: OpaquePointer) -> [UInt8] {
        func integer(_ b: OpaquePointer) -> [UInt8] {
            var buf = [UInt8](repeating: 0, count: 33)
            let len = Int(buf.withUnsafeMutableBufferPointer { p in
                p.baseAddress.map { BN_bn2bin(b, $0 + 1) } ?? 0
            })
            var body = Array(buf[1..<(1 + len)])
            if body.isEmpty { body = [0] }
            if body[0] & 0x80 != 0 { body.insert(0, at: 0) }
            return [0x02, UInt8(body.count)] + body
        }
        let content = integer(r) + integer(s)
        return [0x30, UInt8(content.count)] + content
    }
}
