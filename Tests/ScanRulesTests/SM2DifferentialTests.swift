import CLibcrypto
import Foundation
import Testing
@testable import ScanRules

/// The SM2 fast path against OpenSSL EVP over many random valid and mutated cases (issue 11).
/// Debug runs use 600 cases (SM2FastTests adds 4,000 more); the release differential of the note is
/// `STREAMPROC_SM2_DIFF_CASES=150000 swift test -c release -Xswiftc -enable-testing --filter SM2Differential`.
@Suite struct SM2DifferentialTests {
    @Test func fastPathAgreesWithOpenSSL() {
        let cases = Int(ProcessInfo.processInfo.environment["STREAMPROC_SM2_DIFF_CASES"] ?? "") ?? 600
        #expect(runSM2Differential(cases: cases) == 0)
    }
}


/// Release-build differential test of `SM2FastVerifier` against OpenSSL's
/// `EVP_PKEY_verify` (the reference path of `SM2Verifier`): random keys (plus the
/// special keys d = 1, 2, n − 2, P = −G and a key for which x1 ≥ n), valid signatures (signed by
/// OpenSSL, or constructed from s·G + t·P) and mutations: bit flips of r, s, e; r or s
/// ∈ {0, 1, n − 1, n, 2²⁵⁶ − 1}; t = (r + s) mod n = 0; s·G + t·P = infinity; e ≥ n; the wrong key.
/// Returns the number of disagreements (printed per kind).
func runSM2Differential(cases: Int) -> Int {
    let n = SM2Scalar.n
    let one = SM2UInt256(1, 0, 0, 0)
    let nMinus1 = n.subtractingWithBorrow(one).0
    let maxValue = SM2UInt256(.max, .max, .max, .max)
    var rng = SystemRandomNumberGenerator()
    func randomScalar() -> SM2UInt256 {
        while true {
            let v = SM2UInt256(rng.next(), rng.next(), rng.next(), rng.next())
            if SM2Scalar.isInRange(v) { return v }
        }
    }
    func random256() -> SM2UInt256 { SM2UInt256(rng.next(), rng.next(), rng.next(), rng.next()) }

    struct Key {
        let pkey: OpaquePointer           // EVP_PKEY (private when `canSign`)
        let verifyCtx: OpaquePointer
        let signCtx: OpaquePointer?
        let fast: SM2FastVerifier
        let name: String
    }
    func makeKey(d: SM2UInt256, name: String) -> Key {
        var pub = [UInt8](repeating: 0, count: 65)
        let pkey = d.bigEndianBytes.withUnsafeBufferPointer { streamproc_load_sm2_keypair($0.baseAddress, &pub)! }
        return Key(pkey: pkey, verifyCtx: streamproc_verify_ctx(pkey)!, signCtx: streamproc_sign_ctx(pkey),
                   fast: SM2FastVerifier(publicPoint: pub)!, name: name)
    }
    func makePublicKey(_ point: [UInt8], name: String) -> Key {
        let pkey = point.withUnsafeBufferPointer { streamproc_sm2_public_key($0.baseAddress, $0.count)! }
        return Key(pkey: pkey, verifyCtx: streamproc_verify_ctx(pkey)!, signCtx: nil,
                   fast: SM2FastVerifier(publicPoint: point)!, name: name)
    }
    func encode(_ p: SM2AffinePoint) -> [UInt8] {
        [0x04] + SM2Field.fromMontgomery(p.x).bigEndianBytes + SM2Field.fromMontgomery(p.y).bigEndianBytes
    }

    var keys: [Key] = []
    for i in 0..<24 { keys.append(makeKey(d: randomScalar(), name: "random\(i)")) }
    keys.append(makeKey(d: one, name: "d=1"))
    keys.append(makeKey(d: SM2UInt256(2, 0, 0, 0), name: "d=2"))
    keys.append(makeKey(d: nMinus1.subtractingWithBorrow(one).0, name: "d=n-2"))   // n − 1 cannot sign (1 + d ≡ 0)
    // A key P = R − 2G with x(R) ≥ n: then s = 2, t = 1 (r = n − 1) gives x1 = x(R) ≥ n.
    var bigX = SM2Field.p.subtractingWithBorrow(SM2UInt256(UInt64.random(in: 1...(1 << 40)), 0, 0, 0)).0
    var rPoint: SM2AffinePoint? = nil
    while rPoint == nil {
        let xm = SM2Field.toMontgomery(bigX)
        let b = SM2Field.toMontgomery(SM2UInt256(0xDDBCBD414D940E93, 0xF39789F515AB8F92, 0x4D5A9E4BCF6509A7, 0x28E9FA9E9D9F5E34))
        let rhs = SM2Field.add(SM2Field.sub(SM2Field.mul(SM2Field.sqr(xm), xm), SM2Field.add(SM2Field.add(xm, xm), xm)), b)
        // p ≡ 3 (mod 4): y = rhs^((p+1)/4) when rhs is a square.
        let e = SM2UInt256(0x4000000000000000, 0xFFFFFFFFC0000000, 0xFFFFFFFFFFFFFFFF, 0x3FFFFFFFBFFFFFFF)
        var y = SM2Field.one
        for i in stride(from: 255, through: 0, by: -1) { y = SM2Field.sqr(y); if e.bit(i) { y = SM2Field.mul(y, rhs) } }
        if SM2Field.sqr(y) == rhs { rPoint = SM2AffinePoint(x: xm, y: y) } else { bigX = bigX.subtractingWithBorrow(one).0 }
    }
    let twoG = SM2JacobianPoint(SM2AffinePoint.generator).doubled().affine()!
    let pBig = SM2JacobianPoint(rPoint!).adding(SM2AffinePoint(x: twoG.x, y: SM2Field.neg(twoG.y))).affine()!
    let signing = keys.count                                    // keys below this index can sign
    keys.append(makePublicKey(encode(SM2AffinePoint(x: SM2AffinePoint.generator.x, y: SM2Field.neg(SM2AffinePoint.generator.y))),
                              name: "P=-G"))
    keys.append(makePublicKey(encode(pBig), name: "x1>=n"))
    let bigIndex = keys.count - 1

    func der(_ r: SM2UInt256, _ s: SM2UInt256) -> [UInt8] {
        func int(_ v: [UInt8]) -> [UInt8] {
            var m = Array(v.drop(while: { $0 == 0 }))
            if m.isEmpty { m = [0] }
            if m[0] & 0x80 != 0 { m.insert(0, at: 0) }
            return [0x02, UInt8(m.count)] + m
        }
        let body = int(r.bigEndianBytes) + int(s.bigEndianBytes)
        return [0x30, UInt8(body.count)] + body
    }
    func openssl(_ k: Key, e: SM2UInt256, r: SM2UInt256, s: SM2UInt256) -> Bool {
        let sig = der(r, s), digest = e.bigEndianBytes
        let rc = EVP_PKEY_verify(k.verifyCtx, sig, sig.count, digest, 32)
        if rc != 1 { ERR_clear_error() }
        return rc == 1
    }
    func opensslSign(_ k: Key, e: SM2UInt256) -> (SM2UInt256, SM2UInt256) {
        var sig = [UInt8](repeating: 0, count: 80)
        var len = sig.count
        let digest = e.bigEndianBytes
        precondition(EVP_PKEY_sign(k.signCtx!, &sig, &len, digest, 32) == 1)
        // Parse DER SEQUENCE { INTEGER r, INTEGER s } (short lengths).
        var i = 2
        func readInt() -> SM2UInt256 {
            let l = Int(sig[i + 1]); let bytes = Array(sig[(i + 2)..<(i + 2 + l)].drop(while: { $0 == 0 }))
            i += 2 + l
            return SM2UInt256(bigEndian: bytes)!
        }
        let r = readInt(), s = readInt()
        return (r, s)
    }
    /// A valid (e, r, s) for key k built from random u, v: R = u·G + v·P, s = u, t = v.
    func constructed(_ k: Key) -> (SM2UInt256, SM2UInt256, SM2UInt256)? {
        let s = randomScalar(), t = randomScalar()
        let r = SM2Scalar.sub(t, s)
        guard SM2Scalar.isInRange(r), let x1 = k.fast.linearCombinationX(s: s, t: t) else { return nil }
        var e = SM2Scalar.sub(r, SM2Scalar.reduce(x1))
        if rng.next() & 1 == 0 {           // e ≥ n: same residue
            let (e2, carry) = e.addingWithCarry(n)
            if carry == 0 { e = e2 }
        }
        return (e, r, s)
    }

    let kindNames = ["openssl-signed", "constructed", "flip r", "flip s", "flip e", "r edge", "s edge",
                     "t = 0", "infinity (d=1)", "x1 >= n", "wrong key", "random r,s"]
    var total = [Int](repeating: 0, count: kindNames.count)
    var accepted = [Int](repeating: 0, count: kindNames.count)
    var disagree = [Int](repeating: 0, count: kindNames.count)
    let edges = [SM2UInt256.zero, one, nMinus1, n, maxValue, n.addingWithCarry(one).0]
    for c in 0..<cases {
        let kind = c % kindNames.count
        var ki = Int.random(in: 0..<signing, using: &rng)
        var e = random256(), r = SM2UInt256.zero, s = SM2UInt256.zero
        let base: (SM2UInt256, SM2UInt256, SM2UInt256)
        if c % 5 == 0 {
            let ev = random256(); let (rv, sv) = opensslSign(keys[ki], e: ev); base = (ev, rv, sv)
        } else {
            var b = constructed(keys[ki]); while b == nil { b = constructed(keys[ki]) }; base = b!
        }
        (e, r, s) = base
        func flip(_ v: SM2UInt256) -> SM2UInt256 {
            let bit = Int.random(in: 0..<256, using: &rng)
            var l = [v.l0, v.l1, v.l2, v.l3]; l[bit >> 6] ^= 1 << UInt64(bit & 63)
            return SM2UInt256(l[0], l[1], l[2], l[3])
        }
        switch kind {
        case 0: let ev = random256(); let (rv, sv) = opensslSign(keys[ki], e: ev); (e, r, s) = (ev, rv, sv)
        case 1: break
        case 2: r = flip(r)
        case 3: s = flip(s)
        case 4: e = flip(e)
        case 5: r = edges[c / kindNames.count % edges.count]
        case 6: s = edges[c / kindNames.count % edges.count]
        case 7: s = SM2Scalar.sub(.zero, r)                       // t = 0
        case 8:                                                    // P = G, r = −2s → s·G + t·G = O
            ki = keys.firstIndex(where: { $0.name == "d=1" })!
            s = randomScalar(); r = SM2Scalar.sub(.zero, SM2Scalar.add(s, s))
        case 9:                                                    // x1 = x(R) ≥ n
            ki = bigIndex
            s = SM2UInt256(2, 0, 0, 0); r = nMinus1
            let x1 = SM2Field.fromMontgomery(rPoint!.x)
            e = SM2Scalar.sub(r, SM2Scalar.reduce(x1))             // valid
            if c / kindNames.count % 3 == 1 { let (e2, carry) = e.addingWithCarry(n); if carry == 0 { e = e2 } }   // e ≥ n, valid
            if c / kindNames.count % 3 == 2 { e = flip(e) }
        case 10: ki = (ki + 1 + Int.random(in: 0..<(keys.count - 1), using: &rng)) % keys.count
        default: r = random256(); s = random256()
        }
        let ours = keys[ki].fast.verify(e: e, r: r, s: s)
        let theirs = openssl(keys[ki], e: e, r: r, s: s)
        total[kind] += 1
        if theirs { accepted[kind] += 1 }
        if ours != theirs {
            disagree[kind] += 1
            if disagree[kind] <= 3 {
                print("DISAGREE kind=\(kindNames[kind]) key=\(keys[ki].name) ours=\(ours) openssl=\(theirs) e=\(e.bigEndianBytes) r=\(r.bigEndianBytes) s=\(s.bigEndianBytes)")
            }
        }
    }
    for k in 0..<kindNames.count {
        print("  \(kindNames[k] + String(repeating: " ", count: max(0, 16 - kindNames[k].count))) cases \(total[k])  openssl-valid \(accepted[k])  disagreements \(disagree[k])")
    }
    let bad = disagree.reduce(0, +)
    print("differential: \(cases) cases, \(keys.count) keys, disagreements \(bad)")
    return bad
}
