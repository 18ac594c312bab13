/// Pure-Swift SM2 signature check for one public key (GB/T 32918.2-2016 §7.1 steps
/// B3–B7, given e = SM3(ZA ‖ M) from the caller): r, s ∈ [1, n−1]; t = (r + s) mod n ≠ 0;
/// (x1, y1) = s·G + t·P_A; accept iff (e + x1) mod n = r.
///
/// s·G + t·P_A is two fixed-base multiplications with no doublings: both G and P_A
/// have a `SM2FixedBaseTable` (G: one static table, window `generatorWindow`, built on
/// first use; P_A: one per key, window `keyWindow`, built in `init`, i.e. once when the
/// registry loads the key), so the product costs about 22 + 26 mixed additions.
/// The final comparison avoids an inversion: x1 ∈ {c, c + n} with c = (r − e) mod n
/// (c + n only when it is < p), checked as X = x1·Z² in Jacobian coordinates.
/// Not constant time: all inputs are public. Immutable, thread-safe.
///
/// The previous interleaved wNAF/Shamir multiplication (`multiply(s:t:table:)` with
/// `SM2PointTable`) is kept as a second, independent reference for the tests.
struct SM2FastVerifier: Sendable {
    #if DEBUG
    /// Debug builds (unit tests) use smaller windows: a w = 10 key table takes ~0.43 s and
    /// the w = 12 G table ~1.3 s at -Onone, and the test suites load the corpus registry
    /// dozens of times. Results are identical for every window; the tests cover w = 6…12
    /// explicitly and the release differential (bench-notes) covers the release windows.
    static let generatorWindow = 8
    static let keyWindow = 6
    #else
    /// Window of the static table of G: 12 bits → 22 additions, 43,024 points, 2.6 MiB
    /// once per process (~23 ms).
    static let generatorWindow = 12
    /// Window of the per-key tables: 10 bits → 26 additions, 12,864 points, 804 KiB per
    /// key, ~5–6 ms to build (see bench-notes/sm2-fast.md for the measurements and the choice).
    static let keyWindow = 10
    #endif
    /// Fixed-base table of G (built once on first use).
    static let generatorFixedTable: SM2FixedBaseTable =
        SM2FixedBaseTable(base: SM2AffinePoint.generator, window: generatorWindow)!
    /// wNAF table of G for the reference multiplication (window 8, built on first use).
    static let generatorTable: SM2PointTable = SM2PointTable(base: SM2AffinePoint.generator, window: 8)!

    /// P_A (affine, Montgomery form).
    let publicPoint: SM2AffinePoint
    /// The fixed-base table of P_A.
    let keyTable: SM2FixedBaseTable

    /// From the uncompressed public point `04 ‖ X ‖ Y` (65 bytes); nil when it is not
    /// a finite point of sm2p256v1. Builds the per-key table (a few ms; see `keyWindow`).
    /// - Parameter keyWindow: window of the per-key table (2…16).
    init?(publicPoint: [UInt8], keyWindow: Int = SM2FastVerifier.keyWindow) {
        guard let p = SM2AffinePoint(uncompressed: publicPoint),
              let table = SM2FixedBaseTable(base: p, window: keyWindow) else { return nil }
        self.publicPoint = p
        keyTable = table
    }

    /// Verifies (r, s) (big-endian magnitudes of at most 32 bytes each) for the 32-byte
    /// big-endian digest e. False for anything malformed or out of range.
    func verify(digest e: UnsafeBufferPointer<UInt8>, r: UnsafeBufferPointer<UInt8>, s: UnsafeBufferPointer<UInt8>) -> Bool {
        guard e.count == 32, let ev = SM2UInt256(bigEndian: e), let rv = SM2UInt256(bigEndian: r),
              let sv = SM2UInt256(bigEndian: s) else { return false }
        return verify(e: ev, r: rv, s: sv)
    }

    /// Verifies with integer inputs (e any 256-bit value).
    func verify(e: SM2UInt256, r: SM2UInt256, s: SM2UInt256) -> Bool {
        guard SM2Scalar.isInRange(r), SM2Scalar.isInRange(s) else { return false }
        let t = SM2Scalar.add(r, s)
        guard !t.isZero else { return false }
        let point = Self.generatorFixedTable.linearCombination(s, t, other: keyTable)
        if point.isInfinity { return false }
        // (e + x1) mod n == r  ⇔  x1 ≡ c = (r − e) mod n, and x1 < p < 2n.
        let c = SM2Scalar.sub(r, SM2Scalar.reduce(e))
        let z2 = SM2Field.sqr(point.z)
        if SM2Field.mul(SM2Field.toMontgomery(c), z2) == point.x { return true }
        let (c2, carry) = c.addingWithCarry(SM2Scalar.n)
        if carry == 0, SM2Field.isReduced(c2), SM2Field.mul(SM2Field.toMontgomery(c2), z2) == point.x { return true }
        return false
    }

    /// The plain affine x of s·G + t·P_A by the fixed-base tables (for tests); nil at infinity.
    func linearCombinationX(s: SM2UInt256, t: SM2UInt256) -> SM2UInt256? {
        let point = Self.generatorFixedTable.linearCombination(s, t, other: keyTable)
        guard let a = point.affine() else { return nil }
        return SM2Field.fromMontgomery(a.x)
    }

    /// The same by the reference wNAF/Shamir multiplication (tests only), with
    /// `table` = `SM2PointTable(base: publicPoint, window: …)` built by the caller.
    static func linearCombinationXShamir(s: SM2UInt256, t: SM2UInt256, table: SM2PointTable) -> SM2UInt256? {
        guard let p = multiply(s: s, t: t, table: table), let a = p.affine() else { return nil }
        return SM2Field.fromMontgomery(a.x)
    }

    /// s·G + t·P in Jacobian form; nil at infinity.
    static func multiply(s: SM2UInt256, t: SM2UInt256, table: SM2PointTable) -> SM2JacobianPoint? {
        let g = generatorTable
        let stride = 66
        return withUnsafeTemporaryAllocation(of: Int8.self, capacity: 8 * stride) { digits -> SM2JacobianPoint? in
            digits.initialize(repeating: 0)
            guard let base = digits.baseAddress else { return nil }
            var top = -1
            for c in 0..<4 {
                top = max(top, wnaf(s.limb(c), window: g.window, into: base + c * stride))
                top = max(top, wnaf(t.limb(c), window: table.window, into: base + (4 + c) * stride))
            }
            var acc = SM2JacobianPoint.infinity
            g.points.withUnsafeBufferPointer { gp in
                table.points.withUnsafeBufferPointer { kp in
                    var i = top
                    while i >= 0 {
                        if !acc.isInfinity { acc = acc.doubled() }
                        for c in 0..<4 {
                            let d = base[c * stride + i]
                            if d != 0 { acc = acc.adding(lookup(gp, g.perChunk, c, d)) }
                            let k = base[(4 + c) * stride + i]
                            if k != 0 { acc = acc.adding(lookup(kp, table.perChunk, c, k)) }
                        }
                        i -= 1
                    }
                }
            }
            return acc.isInfinity ? nil : acc
        }
    }

    @inline(__always)
    private static func lookup(_ points: UnsafeBufferPointer<SM2AffinePoint>, _ perChunk: Int, _ chunk: Int, _ d: Int8) -> SM2AffinePoint {
        let m = Int(d < 0 ? -d : d)
        let p = points[chunk * perChunk + (m - 1) >> 1]
        return d < 0 ? SM2AffinePoint(x: p.x, y: SM2Field.neg(p.y)) : p
    }

    /// Width-`window` NAF of a 64-bit value into `out[0…64]` (least significant first).
    /// Returns the index of the highest non-zero digit, −1 for zero.
    @inline(__always)
    static func wnaf(_ value: UInt64, window: Int, into out: UnsafeMutablePointer<Int8>) -> Int {
        var lo = value
        var hi: UInt64 = 0         // the value is lo + hi·2⁶⁴, hi ≤ 1
        let mask = UInt64((1 << window) - 1)
        let half = 1 << (window - 1)
        var i = 0
        var top = -1
        while lo != 0 || hi != 0 {
            if lo & 1 == 1 {
                var d = Int(lo & mask)
                if d >= half { d -= 1 << window }
                if d > 0 {
                    lo -= UInt64(d)
                } else {
                    let (v, o) = lo.addingReportingOverflow(UInt64(-d))
                    lo = v
                    if o { hi += 1 }
                }
                out[i] = Int8(d)
                top = i
            }
            lo = (lo >> 1) | (hi << 63)
            hi = 0
            i += 1
        }
        return top
    }
}
