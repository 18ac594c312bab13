/// Arithmetic modulo the order n of the sm2p256v1 base point (GB/T 32918.5-2017):
/// the additions and range checks of SM2 verification (GB/T 32918.2-2016 §7.1).
enum SM2Scalar {
    /// n, little-endian limbs.
    static var n: SM2UInt256 {
        @inline(__always) get { SM2UInt256(0x53BBF40939D54123, 0x7203DF6B21C6052B, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFEFFFFFFFF) }
    }

    /// 1 ≤ x ≤ n − 1.
    @inline(__always)
    static func isInRange(_ x: SM2UInt256) -> Bool { !x.isZero && x.isLess(than: n) }

    /// x mod n for any 256-bit x (2n > 2²⁵⁶, so one subtraction suffices).
    @inline(__always)
    static func reduce(_ x: SM2UInt256) -> SM2UInt256 {
        let (d, borrow) = x.subtractingWithBorrow(n)
        return borrow == 0 ? d : x
    }

    /// (a + b) mod n for a, b < n.
    @inline(__always)
    static func add(_ a: SM2UInt256, _ b: SM2UInt256) -> SM2UInt256 { SM2UInt256.addMod(a, b, n) }

    /// (a − b) mod n for a, b < n.
    @inline(__always)
    static func sub(_ a: SM2UInt256, _ b: SM2UInt256) -> SM2UInt256 { SM2UInt256.subMod(a, b, n) }
}
