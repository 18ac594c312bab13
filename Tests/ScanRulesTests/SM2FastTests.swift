import CLibcrypto
import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// The pure-Swift SM2 verifier (Verification/SM2Fast): field and scalar arithmetic
/// against OpenSSL BN, point multiplication against OpenSSL EC, the GB/T 32918 example,
/// the v1 corpus and a differential test against the OpenSSL verification path.
@Suite struct SM2FastTests {
    static let pHex = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF"
    static let nHex = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123"

    // MARK: - reference bignums (OpenSSL BN)

    /// A BIGNUM holding the big-endian `bytes`.
    final class BN {
        let ptr: OpaquePointer
        init(_ bytes: [UInt8]) { ptr = BN_bin2bn(bytes, Int32(bytes.count), nil) }
        init(hex: String) { ptr = BN_bin2bn(Hex.decode(hex)!, 32, nil) }
        deinit { BN_free(ptr) }
        var bytes32: [UInt8] {
            var out = [UInt8](repeating: 0, count: 32)
            _ = BN_bn2binpad(ptr, &out, 32)
            return out
        }
    }

    static func random32() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }

    /// A uniformly random value below the modulus (rejection sampling), with a few
    /// edge values mixed in.
    static func randomBelow(_ m: SM2UInt256, index: Int) -> SM2UInt256 {
        switch index {
        case 0: return .zero
        case 1: return SM2UInt256(1, 0, 0, 0)
        case 2: return m.subtractingWithBorrow(SM2UInt256(1, 0, 0, 0)).0
        case 3: return m.subtractingWithBorrow(SM2UInt256(2, 0, 0, 0)).0
        default:
            while true {
                let v = SM2UInt256(bigEndian: random32())!
                if v.isLess(than: m) { return v }
            }
        }
    }

    static func bnOp(_ a: SM2UInt256, _ b: SM2UInt256, modHex: String,
                     _ op: (OpaquePointer, OpaquePointer, OpaquePointer, OpaquePointer, OpaquePointer) -> Int32) -> SM2UInt256 {
        let ctx = BN_CTX_new()!
        defer { BN_CTX_free(ctx) }
        let ba = BN(a.bigEndianBytes), bb = BN(b.bigEndianBytes), bm = BN(hex: modHex), out = BN([0])
        #expect(op(out.ptr, ba.ptr, bb.ptr, bm.ptr, ctx) == 1)
        return SM2UInt256(bigEndian: out.bytes32)!
    }

    // MARK: - arithmetic

    @Test func fieldMulAddSubMatchOpenSSLBN() {
        var checked = 0
        for i in 0..<300 {
            let a = Self.randomBelow(SM2Field.p, index: i % 50)
            let b = Self.randomBelow(SM2Field.p, index: (i * 7) % 53)
            let am = SM2Field.toMontgomery(a), bm = SM2Field.toMontgomery(b)
            #expect(SM2Field.fromMontgomery(am) == a)
            #expect(SM2Field.fromMontgomery(SM2Field.mul(am, bm)) == Self.bnOp(a, b, modHex: Self.pHex) { BN_mod_mul($0, $1, $2, $3, $4) })
            #expect(SM2Field.fromMontgomery(SM2Field.sqr(am)) == Self.bnOp(a, a, modHex: Self.pHex) { BN_mod_mul($0, $1, $2, $3, $4) })
            #expect(SM2Field.add(a, b) == Self.bnOp(a, b, modHex: Self.pHex) { BN_mod_add($0, $1, $2, $3, $4) })
            #expect(SM2Field.sub(a, b) == Self.bnOp(a, b, modHex: Self.pHex) { BN_mod_sub($0, $1, $2, $3, $4) })
            checked += 1
        }
        #expect(checked == 300)
    }

    /// The multiplication-free reduction (`montMulP`, `montSqrP`) against the generic
    /// CIOS Montgomery product with p and −p⁻¹ mod 2⁶⁴ = 1, including edge values.
    @Test func specialisedMontgomeryMatchesGenericCIOS() {
        let pm1 = SM2Field.p.subtractingWithBorrow(SM2UInt256(1, 0, 0, 0)).0
        let edges: [SM2UInt256] = [.zero, SM2UInt256(1, 0, 0, 0), pm1, SM2Field.one,
                                   SM2UInt256(.max, 0, .max, 0), SM2UInt256(0, .max, 0, 0xFFFFFFFEFFFFFFFF)]
        var checked = 0
        for i in 0..<2_000 {
            let a = i < 36 ? edges[i % 6] : Self.randomBelow(SM2Field.p, index: 4 + i)
            let b = i < 36 ? edges[i / 6] : Self.randomBelow(SM2Field.p, index: 4 + i)
            #expect(SM2Field.montMulP(a, b) == SM2UInt256.montMul(a, b, SM2Field.p, 1))
            #expect(SM2Field.montSqrP(a) == SM2UInt256.montMul(a, a, SM2Field.p, 1))
            checked += 1
        }
        #expect(checked == 2_000)
    }

    @Test func fieldInverseIsInverse() {
        for i in 0..<40 {
            let a = Self.randomBelow(SM2Field.p, index: 1 + i % 60)
            let am = SM2Field.toMontgomery(a)
            let inv = SM2Field.inverse(am)
            #expect(SM2Field.mul(am, inv) == SM2Field.one)
            let ctx = BN_CTX_new()!
            let ba = BN(a.bigEndianBytes), bp = BN(hex: Self.pHex)
            let r = BN_mod_inverse(nil, ba.ptr, bp.ptr, ctx)!
            var out = [UInt8](repeating: 0, count: 32)
            _ = BN_bn2binpad(r, &out, 32)
            BN_free(r); BN_CTX_free(ctx)
            #expect(SM2Field.fromMontgomery(inv) == SM2UInt256(bigEndian: out)!)
        }
    }

    @Test func scalarAddSubReduceMatchOpenSSLBN() {
        for i in 0..<300 {
            let a = Self.randomBelow(SM2Scalar.n, index: i % 50)
            let b = Self.randomBelow(SM2Scalar.n, index: (i * 3) % 47)
            #expect(SM2Scalar.add(a, b) == Self.bnOp(a, b, modHex: Self.nHex) { BN_mod_add($0, $1, $2, $3, $4) })
            #expect(SM2Scalar.sub(a, b) == Self.bnOp(a, b, modHex: Self.nHex) { BN_mod_sub($0, $1, $2, $3, $4) })
            let x = SM2UInt256(bigEndian: Self.random32())!
            #expect(SM2Scalar.reduce(x) == Self.bnOp(x, SM2UInt256(1, 0, 0, 0), modHex: Self.nHex) { BN_mod_mul($0, $1, $2, $3, $4) })
        }
        #expect(SM2Scalar.isInRange(SM2Scalar.n) == false)
        #expect(SM2Scalar.isInRange(.zero) == false)
        #expect(SM2Scalar.isInRange(SM2Scalar.n.subtractingWithBorrow(SM2UInt256(1, 0, 0, 0)).0))
    }

    @Test func wnafDigitsRecomposeToTheValue() {
        for i in 0..<500 {
            let v: UInt64 = i < 4 ? [0, 1, UInt64.max, 1 << 63][i] : UInt64.random(in: 0...UInt64.max)
            for w in [5, 6, 8] {
                var digits = [Int8](repeating: 0, count: 66)
                let top = digits.withUnsafeMutableBufferPointer { SM2FastVerifier.wnaf(v, window: w, into: $0.baseAddress!) }
                // Σ d_i·2^i as a 66-bit value (two's complement in (hi, lo)).
                var acc: (hi: Int64, lo: UInt64) = (0, 0)
                for (j, d) in digits.enumerated().reversed() {
                    // acc = 2·acc + d
                    acc = (acc.hi &* 2 &+ Int64(acc.lo >> 63), acc.lo << 1)
                    if d >= 0 {
                        let (s, o) = acc.lo.addingReportingOverflow(UInt64(d)); acc = (acc.hi + (o ? 1 : 0), s)
                    } else {
                        let (s, o) = acc.lo.subtractingReportingOverflow(UInt64(-Int(d))); acc = (acc.hi - (o ? 1 : 0), s)
                    }
                    if d != 0 { #expect(d % 2 != 0 && abs(Int(d)) < (1 << (w - 1))) }
                    _ = j
                }
                #expect(acc.hi == 0 && acc.lo == v)
                #expect(top == (digits.lastIndex(where: { $0 != 0 }) ?? -1))
            }
        }
    }

    // MARK: - points

    static let generatorBytes: [UInt8] = [0x04]
        + Hex.decode("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")!
        + Hex.decode("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")!

    /// x(s·G + t·P) by OpenSSL EC (plain big-endian 32 bytes), nil at infinity.
    static func opensslLinearCombinationX(s: SM2UInt256, t: SM2UInt256, point: [UInt8]) -> [UInt8]? {
        let group = EC_GROUP_new_by_curve_name(NID_sm2)!
        defer { EC_GROUP_free(group) }
        let ctx = BN_CTX_new()!
        defer { BN_CTX_free(ctx) }
        let p = EC_POINT_new(group)!, out = EC_POINT_new(group)!
        defer { EC_POINT_free(p); EC_POINT_free(out) }
        #expect(EC_POINT_oct2point(group, p, point, point.count, ctx) == 1)
        let bs = BN(s.bigEndianBytes), bt = BN(t.bigEndianBytes)
        #expect(EC_POINT_mul(group, out, bs.ptr, p, bt.ptr, ctx) == 1)
        if EC_POINT_is_at_infinity(group, out) == 1 { return nil }
        let x = BN([0])
        #expect(EC_POINT_get_affine_coordinates(group, out, x.ptr, nil, ctx) == 1)
        return x.bytes32
    }

    @Test func linearCombinationMatchesOpenSSLEC() throws {
        var points: [[UInt8]] = [Self.generatorBytes]
        for _ in 0..<4 {
            let signer = try TestSigningKey.generate(.sm2)
            points.append(try #require(Hex.decode(signer.publicKeyHex)))
        }
        let nMinus1 = SM2Scalar.n.subtractingWithBorrow(SM2UInt256(1, 0, 0, 0)).0
        var compared = 0
        for (k, point) in points.enumerated() {
            let fast = try #require(SM2FastVerifier(publicPoint: point))
            for i in 0..<25 {
                var s = Self.randomBelow(SM2Scalar.n, index: 4 + i)
                var t = Self.randomBelow(SM2Scalar.n, index: 4 + i)
                if i == 0 { s = SM2UInt256(1, 0, 0, 0) }
                if i == 1 { t = SM2UInt256(1, 0, 0, 0) }
                if i == 2 { s = nMinus1; t = nMinus1 }
                if i == 3 { s = SM2UInt256(0, UInt64.max, 0, 1) }      // sparse chunks
                let ours = fast.linearCombinationX(s: s, t: t)
                let theirs = Self.opensslLinearCombinationX(s: s, t: t, point: point)
                #expect(ours?.bigEndianBytes == theirs, "point \(k) case \(i)")
                compared += 1
            }
        }
        #expect(compared == 125)
        // Exceptional cases with P = G: (n−1)·G + 1·G = O; 1·G + 1·G = 2·G (doubling inside the addition).
        let g = try #require(SM2FastVerifier(publicPoint: Self.generatorBytes))
        #expect(g.linearCombinationX(s: nMinus1, t: SM2UInt256(1, 0, 0, 0)) == nil)
        let one = SM2UInt256(1, 0, 0, 0)
        #expect(g.linearCombinationX(s: one, t: one)?.bigEndianBytes
                == Self.opensslLinearCombinationX(s: SM2UInt256(2, 0, 0, 0), t: .zero, point: Self.generatorBytes))
    }

    /// Signed fixed-window digits recompose to the scalar (Σ dᵢ·2^(w·i) = k, as 257-bit
    /// two's complement limbs) and stay within [−2^(w−1), 2^(w−1)], the top one ≥ 0 and
    /// within the shorter top window.
    @Test func fixedWindowDigitsRecomposeToTheScalar() {
        let values: [SM2UInt256] = [.zero, SM2UInt256(1, 0, 0, 0), SM2UInt256(.max, .max, .max, .max), SM2Scalar.n,
                                    SM2UInt256(0, 0, 0, 1 << 63)] + (0..<60).map { _ in SM2UInt256(bigEndian: Self.random32())! }
        for w in [6, 8, 10, 12] {
            let count = SM2FixedBaseTable.windowCount(forWindow: w)
            let topBits = 256 - w * (count - 1)
            for k in values {
                // Σ dᵢ·2^(w·i) accumulated into 5 limbs (the 5th absorbs signs).
                var acc: [UInt64] = [0, 0, 0, 0, 0]
                var carry = 0
                for i in 0..<count {
                    let (d, c) = SM2FixedBaseTable.digit(k, index: i, window: w, carry: carry)
                    carry = c
                    #expect(abs(d) <= 1 << (w - 1))
                    if i == count - 1 { #expect(d >= 0 && d <= 1 << topBits && c == 0) }
                    // add d·2^(w·i) (sign-extended) to acc
                    var term: [UInt64] = [0, 0, 0, 0, 0]
                    let magnitude = UInt64(abs(d)), pos = w * i
                    term[pos >> 6] = magnitude << UInt64(pos & 63)
                    if pos & 63 != 0, (pos >> 6) + 1 < 5 { term[(pos >> 6) + 1] = magnitude >> UInt64(64 - pos & 63) }
                    if d < 0 {   // two's complement negate in 320 bits
                        var borrow: UInt64 = 0
                        for j in 0..<5 { term[j] = SM2UInt256.sbb(0, term[j], &borrow) }
                    }
                    var c2: UInt64 = 0
                    for j in 0..<5 { acc[j] = SM2UInt256.adc(acc[j], term[j], &c2) }
                }
                #expect(acc == [k.l0, k.l1, k.l2, k.l3, 0], "w \(w)")
            }
        }
    }

    /// The table holds j·2^(w·i)·B: spot checks against OpenSSL EC for G and a random key.
    @Test func fixedBaseTableEntriesMatchOpenSSLEC() throws {
        let signer = try TestSigningKey.generate(.sm2)
        let point = try #require(Hex.decode(signer.publicKeyHex))
        let w = 6
        let base = try #require(SM2AffinePoint(uncompressed: point))
        let table = try #require(SM2FixedBaseTable(base: base, window: w))
        #expect(table.points.count == SM2FixedBaseTable.pointCount(forWindow: w))
        #expect(table.byteCount == table.points.count * 64)
        var checked = 0
        for (i, j) in [(0, 1), (0, 32), (1, 7), (20, 31), (41, 32), (42, 1), (42, 15)] {
            // scalar j·2^(w·i) as 256-bit
            var limbs: [UInt64] = [0, 0, 0, 0]
            let pos = w * i
            limbs[pos >> 6] = UInt64(j) << UInt64(pos & 63)
            if pos & 63 != 0, (pos >> 6) + 1 < 4 { limbs[(pos >> 6) + 1] = UInt64(j) >> UInt64(64 - pos & 63) }
            let k = SM2UInt256(limbs[0], limbs[1], limbs[2], limbs[3])
            let entry = table.points[i * table.perWindow + j - 1]
            let expected = Self.opensslLinearCombinationX(s: .zero, t: k, point: point)
            #expect(SM2Field.fromMontgomery(entry.x).bigEndianBytes == expected, "window \(i) multiple \(j)")
            checked += 1
        }
        #expect(checked == 7)
        #expect(SM2FixedBaseTable(base: base, window: 1) == nil)
    }

    /// Fixed-base s·G + t·P agrees with the independent wNAF/Shamir multiplication on
    /// random and edge scalars, including sums that pass through exceptional additions.
    @Test func fixedBaseAgreesWithShamir() throws {
        let signer = try TestSigningKey.generate(.sm2)
        let point = try #require(Hex.decode(signer.publicKeyHex))
        let fast = try #require(SM2FastVerifier(publicPoint: point, keyWindow: 10))   // the release key window
        let g = try #require(SM2FastVerifier(publicPoint: Self.generatorBytes, keyWindow: 7))
        let nMinus1 = SM2Scalar.n.subtractingWithBorrow(SM2UInt256(1, 0, 0, 0)).0
        let shamirTables = [try #require(SM2PointTable(base: fast.publicPoint, window: 6)),
                            try #require(SM2PointTable(base: g.publicPoint, window: 6))]
        var compared = 0
        for i in 0..<40 {
            var s = Self.randomBelow(SM2Scalar.n, index: i)
            let t = Self.randomBelow(SM2Scalar.n, index: (i * 7) % 41)
            if i == 5 { s = SM2UInt256(.max, 0, 0, 0) }
            for (v, table) in zip([fast, g], shamirTables) {
                let reference = SM2FastVerifier.linearCombinationXShamir(s: s, t: t, table: table)
                #expect((reference == nil) == (s.isZero && t.isZero), "case \(i)")   // else no multiple of n here
                #expect(v.linearCombinationX(s: s, t: t) == reference, "case \(i)")
                compared += 1
            }
        }
        #expect(compared == 80)
        // P = G: s + t ≡ 0 gives infinity; s = t gives 2s·G.
        let three = SM2UInt256(3, 0, 0, 0)
        #expect(g.linearCombinationX(s: nMinus1, t: SM2UInt256(1, 0, 0, 0)) == nil)
        #expect(g.linearCombinationX(s: SM2Scalar.sub(.zero, three), t: three) == nil)
        #expect(g.linearCombinationX(s: three, t: three)?.bigEndianBytes
                == Self.opensslLinearCombinationX(s: SM2UInt256(6, 0, 0, 0), t: .zero, point: Self.generatorBytes))
    }

    @Test func rejectsPointsOffTheCurve() {
        var bad = Self.generatorBytes
        bad[64] ^= 1
        #expect(SM2FastVerifier(publicPoint: bad) == nil)
        #expect(SM2FastVerifier(publicPoint: Array(Self.generatorBytes.dropLast())) == nil)
        #expect(SM2FastVerifier(publicPoint: Self.generatorBytes) != nil)
    }

    // MARK: - signatures

    @Test func gbt32918ExampleVerifiesWithTheFastPath() throws {
        let v = try VerificationVectorTests.json("vectors/sm2-gbt32918.json")
        let pub = try VerificationVectorTests.hex(try #require(v["public_key"] as? String))
        let distid = Array(try #require(v["distid"] as? String).utf8)
        let message = Array(try #require(v["message_ascii"] as? String).utf8)
        let der = try VerificationVectorTests.hex(try #require(v["signature_der"] as? String))
        let e = try VerificationVectorTests.hex(try #require(v["e"] as? String))
        let r = try VerificationVectorTests.hex(try #require(v["r"] as? String))
        let s = try VerificationVectorTests.hex(try #require(v["s"] as? String))
        let verifier = try #require(SM2Verifier(publicPoint: pub, distid: distid, fastPath: true))
        #expect(verifier.fast != nil)
        #expect(verifier.verify(message: message, signature: der) == .valid)
        #expect(verifier.digest(message: message) == e)
        let fast = try #require(verifier.fast)
        let ev = SM2UInt256(bigEndian: e)!, rv = SM2UInt256(bigEndian: r)!, sv = SM2UInt256(bigEndian: s)!
        #expect(fast.verify(e: ev, r: rv, s: sv))
        #expect(!fast.verify(e: ev, r: sv, s: rv))
        #expect(!fast.verify(e: SM2Scalar.add(SM2Scalar.reduce(ev), SM2UInt256(1, 0, 0, 0)), r: rv, s: sv))
        var tampered = message
        tampered[0] ^= 0x20
        #expect(verifier.verify(message: tampered, signature: der) == .invalid)
    }

    /// Every SM2-keyed code in corpus v1 gets the same check from both paths, and the
    /// fast-path registry gives the corpus its expected outcome (via ReplayCorpusTests).
    @Test func corpusSM2CodesAgreeWithOpenSSL() throws {
        let registry = try KeyRegistry(contentsOfFile: SharedFixtures.root + "/corpus/v1/keys.json")
        var pairs: [String: (fast: SM2Verifier, ref: SM2Verifier)] = [:]
        for key in registry.keys where key.algorithm == .sm2 {
            let distid = Array((key.distid ?? SM2Parameters.defaultDistid).utf8)
            let fast = try #require(SM2Verifier(publicPoint: key.publicKey, distid: distid, fastPath: true))
            let ref = try #require(SM2Verifier(publicPoint: key.publicKey, distid: distid, fastPath: false))
            pairs[key.issuer + "/" + key.keyID] = (fast, ref)
        }
        #expect(!pairs.isEmpty)
        let text = try #require(String(data: try SharedFixtures.data("corpus/v1/events.jsonl"), encoding: .utf8))
        var compared = 0, valid = 0, invalid = 0
        for line in text.split(separator: "\n") {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let code = obj["code"] as? String else { continue }
            let parts = code.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let payload = Self.base64URL(parts[1]), let sig = Self.base64URL(parts[2]),
                  let claims = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
                  let iss = claims["iss"] as? String, let kid = claims["kid"] as? String,
                  let pair = pairs[iss + "/" + kid] else { continue }
            let a = pair.fast.verify(message: payload, signature: sig)
            let b = pair.ref.verify(message: payload, signature: sig)
            #expect(a == b, "\(obj["event_id"] ?? "?")")
            compared += 1
            if b == .valid { valid += 1 } else if b == .invalid { invalid += 1 }
        }
        #expect(compared > 100)
        #expect(valid > 0 && invalid > 0)
    }

    static func base64URL(_ s: Substring) -> [UInt8]? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t).map { [UInt8]($0) }
    }

    /// Strict DER `SEQUENCE { INTEGER r, INTEGER s }` for 32-byte big-endian r, s.
    static func der(r: [UInt8], s: [UInt8]) -> [UInt8] {
        func int(_ v: [UInt8]) -> [UInt8] {
            var m = Array(v.drop(while: { $0 == 0 }))
            if m.isEmpty { m = [0] }
            if m[0] & 0x80 != 0 { m.insert(0, at: 0) }
            return [0x02, UInt8(m.count)] + m
        }
        let body = int(r) + int(s)
        return [0x30, UInt8(body.count)] + body
    }

    static func split(_ der: [UInt8]) -> (r: [UInt8], s: [UInt8])? {
        guard case .scalars(let r, let s) = DERSignature.parse(der, order: DERSignature.sm2Order) else { return nil }
        let raw = DERSignature.raw32(der, r: r, s: s)
        return (Array(raw[0..<32]), Array(raw[32..<64]))
    }

    static func randomDistid() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_@.")
        return String((0..<Int.random(in: 1...48)).map { _ in alphabet.randomElement()! })
    }

    /// ≥ 2,000 fresh signatures (8 keys, random distids) and a mutation of each:
    /// the fast path and the OpenSSL path return the same `SignatureCheck` every time.
    /// (Few keys: each builds a fixed-base table, slow in a debug build. The ≥ 100,000-case
    /// release differential is `sm2mb diff` in bench-notes/sm2-fast-microbench.)
    @Test func differentialAgainstOpenSSL() throws {
        let keys = 8, perKey = 250
        var signers: [TestSigningKey] = []
        var fast: [SM2Verifier] = [], ref: [SM2Verifier] = []
        for _ in 0..<keys {
            let signer = try TestSigningKey.generate(.sm2, distid: Self.randomDistid())
            let point = try #require(Hex.decode(signer.publicKeyHex))
            let distid = Array(try #require(signer.distid).utf8)
            signers.append(signer)
            fast.append(try #require(SM2Verifier(publicPoint: point, distid: distid, fastPath: true)))
            ref.append(try #require(SM2Verifier(publicPoint: point, distid: distid, fastPath: false)))
        }
        let n = SM2Scalar.n
        let nMinus1 = n.subtractingWithBorrow(SM2UInt256(1, 0, 0, 0)).0.bigEndianBytes
        let one = SM2UInt256(1, 0, 0, 0).bigEndianBytes
        var agreed = 0, validCount = 0, mutatedInvalid = 0, total = 0
        var kinds = [Int](repeating: 0, count: 8)
        func check(_ k: Int, _ m: [UInt8], _ sig: [UInt8]) -> SignatureCheck {
            let a = fast[k].verify(message: m, signature: sig)
            let b = ref[k].verify(message: m, signature: sig)
            #expect(a == b, "key \(k) sig \(Hex.encode(sig))")
            total += 1
            if a == b { agreed += 1 }
            return a
        }
        for k in 0..<keys {
            for i in 0..<perKey {
                let message = (0..<Int.random(in: 0...300)).map { _ in UInt8.random(in: 0...255) }
                let sig = try signers[k].sign(message)
                let result = check(k, message, sig)
                #expect(result == .valid)
                if result == .valid { validCount += 1 }
                let (r, s) = try #require(Self.split(sig))
                let kind = (k * perKey + i) % 8
                kinds[kind] += 1
                let mutated: SignatureCheck
                switch kind {
                case 0:  // flip a bit of r
                    var r2 = r; r2[Int.random(in: 0..<32)] ^= UInt8(1 << Int.random(in: 0..<8))
                    mutated = check(k, message, Self.der(r: r2, s: s))
                case 1:  // flip a bit of s
                    var s2 = s; s2[Int.random(in: 0..<32)] ^= UInt8(1 << Int.random(in: 0..<8))
                    mutated = check(k, message, Self.der(r: r, s: s2))
                case 2:  // flip a bit of the message
                    var m2 = message.isEmpty ? [0] : message
                    m2[Int.random(in: 0..<m2.count)] ^= UInt8(1 << Int.random(in: 0..<8))
                    mutated = check(k, m2, sig)
                case 3:  // wrong key
                    mutated = check((k + 1) % keys, message, sig)
                case 4:  // r = n − 1
                    mutated = check(k, message, Self.der(r: nMinus1, s: s))
                case 5:  // s = 1
                    mutated = check(k, message, Self.der(r: r, s: one))
                case 6:  // s = n − r, so t = 0
                    let sv = SM2Scalar.sub(.zero, SM2UInt256(bigEndian: r)!)
                    mutated = check(k, message, Self.der(r: r, s: sv.bigEndianBytes))
                default:  // swapped r and s
                    mutated = check(k, message, Self.der(r: s, s: r))
                }
                if mutated == .invalid { mutatedInvalid += 1 }
            }
        }
        #expect(total == 2 * keys * perKey)
        #expect(agreed == total)
        #expect(validCount == keys * perKey)
        #expect(mutatedInvalid == keys * perKey)
        #expect(kinds.allSatisfy { $0 == keys * perKey / 8 })
    }
}
