/// Montgomery multiplication and squaring specialised to the sm2p256v1 prime
/// p = 2²⁵⁶ − 2²²⁴ − 2⁹⁶ + 2⁶⁴ − 1 (GB/T 32918.5-2017).
///
/// Because p ≡ −1 (mod 2⁶⁴), the Montgomery quotient digit is q = t₀ and
/// (t + q·p)/2⁶⁴ = ⌊t/2⁶⁴⌋ + q·p′ with p′ = (p + 1)/2⁶⁴ = 2¹⁹² − 2¹⁶⁰ − 2³² + 1, and
/// q·p′ = [q, 0, 0, q] − [q≪32, q≫32, q≪32, q≫32] (little-endian limbs) needs only
/// shifts and one subtraction chain: the reduction has no multiplications at all.
/// Multiplication interleaves the four word rows with the four reduction steps (CIOS,
/// 16 word products); squaring forms the 512-bit square first (10 word products),
/// reduces its low half in four such steps and adds the high half. Each ends with one
/// conditional subtraction. Inputs < p, result < p. Overflow-free by construction
/// (`&+`, `addingReportingOverflow`, `multipliedFullWidth`), no traps.
extension SM2Field {
    /// a·b·2⁻²⁵⁶ mod p for a, b < p: operand scanning interleaved with the reduction
    /// (CIOS), each reduction step multiplication-free (`reduceStep`).
    @inline(__always)
    static func montMulP(_ a: SM2UInt256, _ b: SM2UInt256) -> SM2UInt256 {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, top: UInt64 = 0
        @inline(__always)
        func step(_ bi: UInt64) {
            var c: UInt64 = 0
            t0 = SM2UInt256.mac(t0, a.l0, bi, &c)
            t1 = SM2UInt256.mac(t1, a.l1, bi, &c)
            t2 = SM2UInt256.mac(t2, a.l2, bi, &c)
            t3 = SM2UInt256.mac(t3, a.l3, bi, &c)
            top = top &+ c          // t < 2p·2⁶⁴ before the step, so this fits
            reduceStep(&t0, &t1, &t2, &t3, &top)
        }
        step(b.l0); step(b.l1); step(b.l2); step(b.l3)
        let u = SM2UInt256(t0, t1, t2, t3)
        let (d, borrow) = u.subtractingWithBorrow(p)
        return (top | (borrow ^ 1)) != 0 ? d : u
    }

    /// a²·2⁻²⁵⁶ mod p for a < p (cross products once, doubled: 10 word products).
    @inline(__always)
    static func montSqrP(_ a: SM2UInt256) -> SM2UInt256 {
        // Cross products a_i·a_j, i < j, at limb i + j.
        var c: UInt64 = 0
        var r1 = mac0(a.l0, a.l1, &c)
        var r2 = mac0(a.l0, a.l2, &c)
        var r3 = mac0(a.l0, a.l3, &c)
        var r4 = c
        c = 0
        r3 = SM2UInt256.mac(r3, a.l1, a.l2, &c)
        r4 = SM2UInt256.mac(r4, a.l1, a.l3, &c)
        var r5 = c
        c = 0
        r5 = SM2UInt256.mac(r5, a.l2, a.l3, &c)
        var r6 = c
        // Double (r1…r6) → (r1…r7).
        let r7 = r6 >> 63
        r6 = (r6 << 1) | (r5 >> 63)
        r5 = (r5 << 1) | (r4 >> 63)
        r4 = (r4 << 1) | (r3 >> 63)
        r3 = (r3 << 1) | (r2 >> 63)
        r2 = (r2 << 1) | (r1 >> 63)
        r1 = r1 << 1
        // Add the squares a_i² at limb 2i.
        let (h0, l0) = a.l0.multipliedFullWidth(by: a.l0)
        let (h1, l1) = a.l1.multipliedFullWidth(by: a.l1)
        let (h2, l2) = a.l2.multipliedFullWidth(by: a.l2)
        let (h3, l3) = a.l3.multipliedFullWidth(by: a.l3)
        let s0 = l0
        var k: UInt64 = 0
        let s1 = adc(r1, h0, &k)
        let s2 = adc(r2, l1, &k)
        let s3 = adc(r3, h1, &k)
        let s4 = adc(r4, l2, &k)
        let s5 = adc(r5, h2, &k)
        let s6 = adc(r6, l3, &k)
        let s7 = r7 &+ h3 &+ k
        return reduceP(s0, s1, s2, s3, s4, s5, s6, s7)
    }

    @inline(__always)
    static func adc(_ x: UInt64, _ y: UInt64, _ carry: inout UInt64) -> UInt64 { SM2UInt256.adc(x, y, &carry) }

    /// a·b + c → low word, c ← high word (cannot overflow).
    @inline(__always)
    static func mac0(_ a: UInt64, _ b: UInt64, _ c: inout UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        let (s, o) = lo.addingReportingOverflow(c)
        c = hi &+ (o ? 1 : 0)
        return s
    }

    /// One Montgomery step: (t + q·p)/2⁶⁴ with q = t₀, as ⌊t/2⁶⁴⌋ + q·p′ (see the type
    /// comment); `top` is the word above t₃ in and out: one bit in the squaring's reduction,
    /// up to a word in the multiplication's interleaved steps (t < 2p·2⁶⁴ there).
    @inline(__always)
    static func reduceStep(_ t0: inout UInt64, _ t1: inout UInt64, _ t2: inout UInt64, _ t3: inout UInt64,
                           _ top: inout UInt64) {
        let q = t0
        let lo = q << 32, hi = q >> 32
        // (t1, t2, t3, top) + [q, 0, 0, q] − [lo, hi, lo, hi]; the result is ≥ 0 and < 2²⁵⁷.
        var c: UInt64 = 0
        let a0 = adc(t1, q, &c)
        let a1 = adc(t2, 0, &c)
        let a2 = adc(t3, 0, &c)
        let a3 = adc(top, q, &c)
        let a4 = c
        var b: UInt64 = 0
        t0 = SM2UInt256.sbb(a0, lo, &b)
        t1 = SM2UInt256.sbb(a1, hi, &b)
        t2 = SM2UInt256.sbb(a2, lo, &b)
        t3 = SM2UInt256.sbb(a3, hi, &b)
        top = a4 &- b
    }

    /// Montgomery reduction of the 512-bit (r0…r7) < p·2²⁵⁶: result < p.
    @inline(__always)
    static func reduceP(_ r0: UInt64, _ r1: UInt64, _ r2: UInt64, _ r3: UInt64,
                        _ r4: UInt64, _ r5: UInt64, _ r6: UInt64, _ r7: UInt64) -> SM2UInt256 {
        var t0 = r0, t1 = r1, t2 = r2, t3 = r3, top: UInt64 = 0
        reduceStep(&t0, &t1, &t2, &t3, &top)
        reduceStep(&t0, &t1, &t2, &t3, &top)
        reduceStep(&t0, &t1, &t2, &t3, &top)
        reduceStep(&t0, &t1, &t2, &t3, &top)
        // Now (t, top) = (low + Q·p)/2²⁵⁶ ≤ p, so top = 0; add the high half (< p).
        var k: UInt64 = 0
        let u0 = adc(t0, r4, &k)
        let u1 = adc(t1, r5, &k)
        let u2 = adc(t2, r6, &k)
        let u3 = adc(t3, r7, &k)
        let carry = k &+ top
        let u = SM2UInt256(u0, u1, u2, u3)
        let (d, borrow) = u.subtractingWithBorrow(p)
        return (carry | (borrow ^ 1)) != 0 ? d : u
    }
}
