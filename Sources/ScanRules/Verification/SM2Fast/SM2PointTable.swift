/// Precomputed odd multiples of a base point for windowed-NAF scalar multiplication
/// with the scalar split into four 64-bit chunks: for chunk c ∈ 0…3 and odd
/// k ∈ 1, 3, …, 2^(w−1) − 1 the table holds k·2^(64c)·B (affine, Montgomery form).
/// So k·B for a 256-bit k needs only 65 doublings (shared across all scalars).
struct SM2PointTable: Sendable {
    /// Window width w (3…8): wNAF digits are odd, |d| < 2^(w−1).
    let window: Int
    /// Entries per chunk: 2^(w−2).
    let perChunk: Int
    /// 4 × `perChunk` points, chunk-major.
    let points: [SM2AffinePoint]

    /// Builds the table of `base` (a finite point of prime order n). Nil only if an
    /// intermediate point is infinity, which cannot happen for a point of order n.
    init?(base: SM2AffinePoint, window: Int) {
        guard window >= 3, window <= 8 else { return nil }
        self.window = window
        perChunk = 1 << (window - 2)
        var out: [SM2AffinePoint] = []
        out.reserveCapacity(4 * perChunk)
        var b = base
        for chunk in 0..<4 {
            if chunk > 0 {
                var j = SM2JacobianPoint(b)
                for _ in 0..<64 { j = j.doubled() }
                guard let a = j.affine() else { return nil }
                b = a
            }
            guard let twoB = SM2JacobianPoint(b).doubled().affine() else { return nil }
            var current = b
            out.append(current)
            for _ in 1..<perChunk {
                guard let next = SM2JacobianPoint(current).adding(twoB).affine() else { return nil }
                current = next
                out.append(current)
            }
        }
        points = out
    }
}
