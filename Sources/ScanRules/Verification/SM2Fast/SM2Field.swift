/// Arithmetic in GF(p) of sm2p256v1, p = 2²⁵⁶ − 2²²⁴ − 2⁹⁶ + 2⁶⁴ − 1
/// (GB/T 32918.5-2017). Elements are `SM2UInt256` in Montgomery form (x·2²⁵⁶ mod p),
/// always fully reduced (< p), so equal elements have equal limbs.
enum SM2Field {
    /// p, little-endian limbs.
    static var p: SM2UInt256 {
        @inline(__always) get { SM2UInt256(0xFFFFFFFFFFFFFFFF, 0xFFFFFFFF00000000, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFEFFFFFFFF) }
    }
    /// 2⁵¹² mod p (to enter Montgomery form).
    static var r2: SM2UInt256 {
        @inline(__always) get { SM2UInt256(0x0000000200000003, 0x00000002FFFFFFFF, 0x0000000100000001, 0x0000000400000002) }
    }
    /// 1 in Montgomery form (2²⁵⁶ mod p).
    static var one: SM2UInt256 {
        @inline(__always) get { SM2UInt256(0x0000000000000001, 0x00000000FFFFFFFF, 0x0000000000000000, 0x0000000100000000) }
    }

    /// a·b (Montgomery), with the multiplication-free reduction of `montMulP`
    /// (p ≡ −1 mod 2⁶⁴). The generic CIOS `SM2UInt256.montMul(a, b, p, 1)` is the
    /// reference it is tested against.
    @inline(__always)
    static func mul(_ a: SM2UInt256, _ b: SM2UInt256) -> SM2UInt256 { montMulP(a, b) }

    /// a² (Montgomery), 10 word products (`montSqrP`).
    @inline(__always)
    static func sqr(_ a: SM2UInt256) -> SM2UInt256 { montSqrP(a) }

    @inline(__always)
    static func add(_ a: SM2UInt256, _ b: SM2UInt256) -> SM2UInt256 { SM2UInt256.addMod(a, b, p) }

    @inline(__always)
    static func sub(_ a: SM2UInt256, _ b: SM2UInt256) -> SM2UInt256 { SM2UInt256.subMod(a, b, p) }

    @inline(__always)
    static func neg(_ a: SM2UInt256) -> SM2UInt256 { SM2UInt256.subMod(.zero, a, p) }

    /// Plain integer x < p → Montgomery form.
    @inline(__always)
    static func toMontgomery(_ x: SM2UInt256) -> SM2UInt256 { mul(x, r2) }

    /// Montgomery form → plain integer < p.
    @inline(__always)
    static func fromMontgomery(_ x: SM2UInt256) -> SM2UInt256 { mul(x, SM2UInt256(1, 0, 0, 0)) }

    /// a⁻¹ = a^(p−2) (Fermat), Montgomery in and out; 0 maps to 0. Not constant time
    /// (only public data is ever inverted: verification and table building).
    static func inverse(_ a: SM2UInt256) -> SM2UInt256 {
        let exp = p.subtractingWithBorrow(SM2UInt256(2, 0, 0, 0)).0   // p − 2
        var result = one
        for i in stride(from: 255, through: 0, by: -1) {
            result = sqr(result)
            if exp.bit(i) { result = mul(result, a) }
        }
        return result
    }

    /// True when x < p (a canonical field element as plain integer).
    @inline(__always)
    static func isReduced(_ x: SM2UInt256) -> Bool { x.isLess(than: p) }
}
