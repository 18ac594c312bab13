/// A 256-bit unsigned integer as four little-endian 64-bit limbs (`l0` least
/// significant). Plain value type, no heap storage; the building block of the
/// sm2p256v1 field and scalar arithmetic (GB/T 32918.1 / 32918.5 curve).
struct SM2UInt256: Equatable, Sendable {
    var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    static let zero = SM2UInt256(0, 0, 0, 0)

    /// From a big-endian magnitude of at most 32 bytes (shorter input is left-padded
    /// with zeros). Returns nil for more than 32 bytes.
    init?(bigEndian bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count <= 32 else { return nil }
        var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let n = bytes.count
        for i in 0..<n {
            let byte = UInt64(bytes[n - 1 - i])   // i-th least significant byte
            let shift = UInt64((i & 7) * 8)
            switch i >> 3 {
            case 0: limbs.0 |= byte << shift
            case 1: limbs.1 |= byte << shift
            case 2: limbs.2 |= byte << shift
            default: limbs.3 |= byte << shift
            }
        }
        self.init(limbs.0, limbs.1, limbs.2, limbs.3)
    }

    /// From a big-endian magnitude of at most 32 bytes; nil for more.
    init?(bigEndian bytes: [UInt8]) {
        guard let v = bytes.withUnsafeBufferPointer({ SM2UInt256(bigEndian: $0) }) else { return nil }
        self = v
    }

    /// 32 big-endian bytes.
    var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            let limb = limb(i >> 3)
            out[31 - i] = UInt8(truncatingIfNeeded: limb >> UInt64((i & 7) * 8))
        }
        return out
    }

    /// Limb `i` (0…3).
    @inline(__always)
    func limb(_ i: Int) -> UInt64 {
        switch i {
        case 0: return l0
        case 1: return l1
        case 2: return l2
        default: return l3
        }
    }

    /// Bit `i` (0…255).
    @inline(__always)
    func bit(_ i: Int) -> Bool { (limb(i >> 6) >> UInt64(i & 63)) & 1 == 1 }

    @inline(__always)
    var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    /// self + b and the carry out (0 or 1). Carries are summed as integers, not with
    /// `||`, so the chain compiles to add-with-carry without branches.
    @inline(__always)
    func addingWithCarry(_ b: SM2UInt256) -> (SM2UInt256, UInt64) {
        var c: UInt64 = 0
        let r0 = Self.adc(l0, b.l0, &c)
        let r1 = Self.adc(l1, b.l1, &c)
        let r2 = Self.adc(l2, b.l2, &c)
        let r3 = Self.adc(l3, b.l3, &c)
        return (SM2UInt256(r0, r1, r2, r3), c)
    }

    /// self − b and the borrow out (0 or 1), branch-free like `addingWithCarry`.
    @inline(__always)
    func subtractingWithBorrow(_ b: SM2UInt256) -> (SM2UInt256, UInt64) {
        var c: UInt64 = 0
        let r0 = Self.sbb(l0, b.l0, &c)
        let r1 = Self.sbb(l1, b.l1, &c)
        let r2 = Self.sbb(l2, b.l2, &c)
        let r3 = Self.sbb(l3, b.l3, &c)
        return (SM2UInt256(r0, r1, r2, r3), c)
    }

    /// x + y + carry, carry updated (0 or 1 in and out).
    @inline(__always)
    static func adc(_ x: UInt64, _ y: UInt64, _ carry: inout UInt64) -> UInt64 {
        let (s1, o1) = x.addingReportingOverflow(y)
        let (s2, o2) = s1.addingReportingOverflow(carry)
        carry = UInt64(o1 ? 1 : 0) &+ UInt64(o2 ? 1 : 0)
        return s2
    }

    /// x − y − borrow, borrow updated (0 or 1 in and out).
    @inline(__always)
    static func sbb(_ x: UInt64, _ y: UInt64, _ borrow: inout UInt64) -> UInt64 {
        let (d1, o1) = x.subtractingReportingOverflow(y)
        let (d2, o2) = d1.subtractingReportingOverflow(borrow)
        borrow = UInt64(o1 ? 1 : 0) &+ UInt64(o2 ? 1 : 0)
        return d2
    }

    /// self < b.
    @inline(__always)
    func isLess(than b: SM2UInt256) -> Bool { subtractingWithBorrow(b).1 == 1 }

    /// (a + b) mod m for a, b < m.
    @inline(__always)
    static func addMod(_ a: SM2UInt256, _ b: SM2UInt256, _ m: SM2UInt256) -> SM2UInt256 {
        let (s, carry) = a.addingWithCarry(b)
        let (d, borrow) = s.subtractingWithBorrow(m)
        // s ≥ m exactly when the 257-bit sum has a carry or the subtraction does not borrow.
        return (carry | (borrow ^ 1)) != 0 ? d : s
    }

    /// (a − b) mod m for a, b < m.
    @inline(__always)
    static func subMod(_ a: SM2UInt256, _ b: SM2UInt256, _ m: SM2UInt256) -> SM2UInt256 {
        let (d, borrow) = a.subtractingWithBorrow(b)
        return borrow == 1 ? d.addingWithCarry(m).0 : d
    }

    /// t + a·b + c → (low, high); never overflows 128 bits.
    @inline(__always)
    static func mac(_ t: UInt64, _ a: UInt64, _ b: UInt64, _ c: inout UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        let (s1, o1) = lo.addingReportingOverflow(t)
        let (s2, o2) = s1.addingReportingOverflow(c)
        c = hi &+ (o1 ? 1 : 0) &+ (o2 ? 1 : 0)
        return s2
    }

    /// Montgomery product a·b·2⁻²⁵⁶ mod m (CIOS), for a, b < m, m odd,
    /// `m0inv` = −m⁻¹ mod 2⁶⁴. Result < m.
    @inline(__always)
    static func montMul(_ a: SM2UInt256, _ b: SM2UInt256, _ m: SM2UInt256, _ m0inv: UInt64) -> SM2UInt256 {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0
        @inline(__always)
        func step(_ bi: UInt64) {
            var c: UInt64 = 0
            t0 = mac(t0, a.l0, bi, &c)
            t1 = mac(t1, a.l1, bi, &c)
            t2 = mac(t2, a.l2, bi, &c)
            t3 = mac(t3, a.l3, bi, &c)
            let (u4, o4) = t4.addingReportingOverflow(c)
            let t5: UInt64 = o4 ? 1 : 0
            let q = t0 &* m0inv
            c = 0
            _ = mac(t0, q, m.l0, &c)
            t0 = mac(t1, q, m.l1, &c)
            t1 = mac(t2, q, m.l2, &c)
            t2 = mac(t3, q, m.l3, &c)
            let (v, o) = u4.addingReportingOverflow(c)
            t3 = v
            t4 = t5 &+ (o ? 1 : 0)
        }
        step(b.l0); step(b.l1); step(b.l2); step(b.l3)
        let t = SM2UInt256(t0, t1, t2, t3)
        let (d, borrow) = t.subtractingWithBorrow(m)
        return (t4 | (borrow ^ 1)) != 0 ? d : t
    }
}
