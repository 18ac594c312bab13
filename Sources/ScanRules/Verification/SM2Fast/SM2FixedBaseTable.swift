/// Fixed-base table of one point B of sm2p256v1 for signed fixed-window scalar
/// multiplication without doublings (the "one table per window position" form of a
/// fixed-base comb).
///
/// A scalar k < 2²⁵⁶ is recoded into `windowCount` signed digits dᵢ of width w,
/// k = Σ dᵢ·2^(w·i) with |dᵢ| ≤ 2^(w−1); the table holds, for every window i, the
/// affine multiples j·2^(w·i)·B for j = 1…2^(w−1) (the top window only as far as its
/// few bits can reach). Then k·B = Σ ±T[i][|dᵢ|]: at most `windowCount` mixed
/// additions and no doublings.
///
/// Lookups: a verification reads one point per non-zero digit from each of two tables of
/// several hundred KiB to MiB, i.e. mostly cache misses. ``gather(_:into:negative:)``
/// therefore loads all of a scalar's points first (independent loads the core overlaps)
/// and the additions run afterwards from that small buffer; the points are 64-byte
/// aligned (``SM2PointStorage``), one cache line each.
///
/// Sizes (64 bytes per affine point, Montgomery form): w = 8 → 33 windows, 4,097
/// points, 256 KiB; w = 10 → 26 windows, 12,864 points, 804 KiB; w = 12 → 22 windows,
/// 43,024 points, 2.6 MiB. Built once (one mixed addition per point, the per-window
/// bases made affine with one inversion each, all points made affine at the end with
/// one batched inversion); immutable afterwards, so safe to share between threads.
struct SM2FixedBaseTable: Sendable {
    /// Window width w in bits (2…16).
    let window: Int
    /// Number of signed digits / windows: the smallest W with w·(W−1) + (w−1) ≥ 256,
    /// so the top digit never carries out.
    let windowCount: Int
    /// Entries per full window: 2^(w−1).
    let perWindow: Int
    /// Window-major: window i at `i·perWindow`, entry |d|−1; the top window is shorter.
    var points: UnsafeBufferPointer<SM2AffinePoint> { storage.buffer }
    private let storage: SM2PointStorage

    /// Number of windows for width `w` (see `windowCount`).
    static func windowCount(forWindow w: Int) -> Int { 256 / w + 1 }

    /// Number of points a table of width `w` holds.
    static func pointCount(forWindow w: Int) -> Int {
        let count = windowCount(forWindow: w)
        let topBits = 256 - w * (count - 1)
        return (count - 1) << (w - 1) + (1 << topBits)
    }

    /// Builds the table of `base` (a finite point of order n). Nil for a window outside
    /// 2…16 or if an intermediate point were infinity (impossible for order n).
    init?(base: SM2AffinePoint, window w: Int) {
        guard w >= 2, w <= 16 else { return nil }
        window = w
        windowCount = Self.windowCount(forWindow: w)
        perWindow = 1 << (w - 1)
        let total = Self.pointCount(forWindow: w)
        var jacobian: [SM2JacobianPoint] = []
        jacobian.reserveCapacity(total)
        var b = base
        for i in 0..<windowCount {
            let entries = i == windowCount - 1 ? total - jacobian.count : perWindow
            var acc = SM2JacobianPoint(b)
            jacobian.append(acc)
            for _ in 1..<max(entries, 1) {
                acc = acc.adding(b)
                if acc.isInfinity { return nil }
                jacobian.append(acc)
            }
            if i < windowCount - 1 {
                // acc = 2^(w−1)·b → next base 2^w·b.
                guard let next = acc.doubled().affine() else { return nil }
                b = next
            }
        }
        guard jacobian.count == total, let affine = Self.batchAffine(jacobian) else { return nil }
        storage = SM2PointStorage(copying: affine)
    }

    /// All points to affine with one inversion (Montgomery's trick); nil if any is infinity.
    static func batchAffine(_ points: [SM2JacobianPoint]) -> [SM2AffinePoint]? {
        let count = points.count
        guard count > 0 else { return [] }
        var prefix = [SM2UInt256](repeating: .zero, count: count)
        var running = SM2Field.one
        for k in 0..<count {
            if points[k].isInfinity { return nil }
            running = SM2Field.mul(running, points[k].z)
            prefix[k] = running
        }
        var inv = SM2Field.inverse(running)   // (z₀⋯z_{count−1})⁻¹
        var out = [SM2AffinePoint](repeating: SM2AffinePoint(x: .zero, y: .zero), count: count)
        var k = count - 1
        while k >= 0 {
            let zi = k > 0 ? SM2Field.mul(inv, prefix[k - 1]) : inv
            if k > 0 { inv = SM2Field.mul(inv, points[k].z) }
            let zi2 = SM2Field.sqr(zi)
            out[k] = SM2AffinePoint(x: SM2Field.mul(points[k].x, zi2),
                                    y: SM2Field.mul(points[k].y, SM2Field.mul(zi2, zi)))
            k -= 1
        }
        return out
    }

    /// Signed digit i of k (window w), given the carry from digit i − 1 (0 or 1);
    /// returns (digit, carry out). Digits lie in [−2^(w−1), 2^(w−1)].
    @inline(__always)
    static func digit(_ k: SM2UInt256, index i: Int, window w: Int, carry: Int) -> (Int, Int) {
        let pos = w &* i
        let limbIndex = pos >> 6, offset = pos & 63
        if limbIndex > 3 { return carry > 0 ? (carry, 0) : (0, 0) }
        var bits = k.limb(limbIndex) >> UInt64(offset)
        if offset &+ w > 64, limbIndex < 3 {
            bits |= k.limb(limbIndex &+ 1) << UInt64(64 &- offset)
        }
        let v = Int(bits & UInt64((1 << w) &- 1)) &+ carry
        if v > (1 << (w &- 1)) { return (v &- (1 << w), 1) }
        return (v, 0)
    }

    /// Copies the table point of every non-zero digit of k to `out` (in digit order) and
    /// whether it is to be negated to `negative`; returns how many. `out` and `negative`
    /// need room for ``windowCount`` entries. All loads are issued before any point is
    /// used, so their cache misses overlap instead of stalling one addition each.
    @inline(__always)
    func gather(_ k: SM2UInt256, into out: UnsafeMutablePointer<SM2AffinePoint>,
                negative: UnsafeMutablePointer<Bool>) -> Int {
        let w = window, count = windowCount, stride = perWindow
        let table = points
        var carry = 0
        var n = 0
        var i = 0
        while i < count {
            let (d, c) = Self.digit(k, index: i, window: w, carry: carry)
            carry = c
            if d != 0 {
                out[n] = table[i &* stride &+ (d < 0 ? -d : d) &- 1]
                negative[n] = d < 0
                n &+= 1
            }
            i &+= 1
        }
        return n
    }

    /// acc + Σ ±points[i] for the first `count` gathered points (mixed additions).
    @inline(__always)
    static func add(_ points: UnsafeMutablePointer<SM2AffinePoint>, negative: UnsafeMutablePointer<Bool>,
                    count: Int, into acc: inout SM2JacobianPoint) {
        var i = 0
        while i < count {
            let p = points[i]
            acc = acc.adding(negative[i] ? SM2AffinePoint(x: p.x, y: SM2Field.neg(p.y)) : p)
            i &+= 1
        }
    }

    /// a·A + b·B for the table `self` of A and `other` of B: both scalars' points gathered
    /// first (``gather(_:into:negative:)``), then added. Infinity when the sum is.
    @inline(__always)
    func linearCombination(_ a: SM2UInt256, _ b: SM2UInt256, other: SM2FixedBaseTable) -> SM2JacobianPoint {
        let capacity = windowCount &+ other.windowCount
        return withUnsafeTemporaryAllocation(of: SM2AffinePoint.self, capacity: capacity) { pts in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: capacity) { neg in
                let p = pts.baseAddress!, s = neg.baseAddress!
                var n = gather(a, into: p, negative: s)
                n &+= other.gather(b, into: p + n, negative: s + n)
                var acc = SM2JacobianPoint.infinity
                Self.add(p, negative: s, count: n, into: &acc)
                return acc
            }
        }
    }

    /// Bytes held by the point array (64 per point).
    var byteCount: Int { points.count * MemoryLayout<SM2AffinePoint>.stride }
}
