/// A point of sm2p256v1 in Jacobian coordinates (X, Y, Z) ↦ (X/Z², Y/Z³), Montgomery
/// form; Z = 0 is the point at infinity. Formulas for a = −3 (SM2's a = p − 3).
struct SM2JacobianPoint: Sendable {
    var x: SM2UInt256
    var y: SM2UInt256
    var z: SM2UInt256

    static let infinity = SM2JacobianPoint(x: SM2Field.one, y: SM2Field.one, z: .zero)

    @inline(__always)
    init(x: SM2UInt256, y: SM2UInt256, z: SM2UInt256) {
        self.x = x; self.y = y; self.z = z
    }

    @inline(__always)
    init(_ p: SM2AffinePoint) {
        self.init(x: p.x, y: p.y, z: SM2Field.one)
    }

    @inline(__always)
    var isInfinity: Bool { z.isZero }

    /// 2·self, "dbl-2001-b" (Bernstein–Lange EFD, a = −3): 3M + 5S. Infinity stays infinity.
    @inline(__always)
    func doubled() -> SM2JacobianPoint {
        let delta = SM2Field.sqr(z)
        let gamma = SM2Field.sqr(y)
        let beta = SM2Field.mul(x, gamma)
        let t = SM2Field.mul(SM2Field.sub(x, delta), SM2Field.add(x, delta))
        let alpha = SM2Field.add(SM2Field.add(t, t), t)
        let beta2 = SM2Field.add(beta, beta)
        let beta4 = SM2Field.add(beta2, beta2)
        let beta8 = SM2Field.add(beta4, beta4)
        let x3 = SM2Field.sub(SM2Field.sqr(alpha), beta8)
        let yz = SM2Field.add(y, z)
        let z3 = SM2Field.sub(SM2Field.sub(SM2Field.sqr(yz), gamma), delta)
        let g2 = SM2Field.sqr(gamma)
        let g2x2 = SM2Field.add(g2, g2)
        let g2x4 = SM2Field.add(g2x2, g2x2)
        let g2x8 = SM2Field.add(g2x4, g2x4)
        let y3 = SM2Field.sub(SM2Field.mul(alpha, SM2Field.sub(beta4, x3)), g2x8)
        return SM2JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// self + q (q affine, finite): 8M + 3S, with the exceptional cases handled
    /// (self at infinity, self = q → doubling, self = −q → infinity).
    @inline(__always)
    func adding(_ q: SM2AffinePoint) -> SM2JacobianPoint {
        if isInfinity { return SM2JacobianPoint(q) }
        let z1z1 = SM2Field.sqr(z)
        let u2 = SM2Field.mul(q.x, z1z1)
        let s2 = SM2Field.mul(q.y, SM2Field.mul(z, z1z1))
        let h = SM2Field.sub(u2, x)
        let r = SM2Field.sub(s2, y)
        if h.isZero {
            return r.isZero ? doubled() : .infinity
        }
        let hh = SM2Field.sqr(h)
        let hhh = SM2Field.mul(h, hh)
        let v = SM2Field.mul(x, hh)
        let x3 = SM2Field.sub(SM2Field.sub(SM2Field.sqr(r), hhh), SM2Field.add(v, v))
        let y3 = SM2Field.sub(SM2Field.mul(r, SM2Field.sub(v, x3)), SM2Field.mul(y, hhh))
        let z3 = SM2Field.mul(z, h)
        return SM2JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// The affine form; nil at infinity. Uses one field inversion.
    func affine() -> SM2AffinePoint? {
        if isInfinity { return nil }
        let zi = SM2Field.inverse(z)
        let zi2 = SM2Field.sqr(zi)
        return SM2AffinePoint(x: SM2Field.mul(x, zi2), y: SM2Field.mul(y, SM2Field.mul(zi, zi2)))
    }
}
