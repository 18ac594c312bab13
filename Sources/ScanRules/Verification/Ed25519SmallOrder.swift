/// The small-order points of edwards25519 (RFC 8032 §5.1; the curve's cofactor
/// is 8): the identity and the 7 other points of its 8-torsion subgroup, in their
/// canonical 32-byte encodings (y little-endian, top bit = parity of x).
///
/// A registry key that is one of them would make forgeries trivial: with
/// A = identity, the pair R = identity, S = 0 satisfies [S]B = R + [k]A for every
/// message (and with A of order 2, 4 or 8 for every message whose k is a multiple
/// of that order). swift-crypto's `Curve25519.Signing.PublicKey(rawRepresentation:)`
/// checks only the length and its verification accepts such forgeries, so
/// registry loading refuses these keys (issue 12 item 3).
///
/// Only canonical encodings are listed: the non-canonical ones (y ≥ p, or x = 0
/// with the sign bit set) are refused earlier by the canonical-decoding check
/// (`streamproc_ed25519_point_valid`). The points were computed from the curve
/// equation −x² + y² = 1 + d·x²·y² (an order-8 point has y⁴·d + 2y² − 1 = 0 and
/// x² = −y²) and its multiples.
enum Ed25519SmallOrder {
    /// The 8 canonical encodings, hex, with the point's order.
    static let encodings: [(hex: String, order: Int)] = [
        ("0100000000000000000000000000000000000000000000000000000000000000", 1),  // (0, 1)
        ("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 2),  // (0, −1)
        ("0000000000000000000000000000000000000000000000000000000000000000", 4),  // (√−1, 0), x even
        ("0000000000000000000000000000000000000000000000000000000000000080", 4),  // (−√−1, 0), x odd
        ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", 8),
        ("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", 8),
        ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", 8),
        ("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", 8),
    ]

    private static let points: [[UInt8]] = encodings.map { Hex.decode($0.hex)! }

    /// The order (1, 2, 4 or 8) when the 32 bytes are a small-order point's
    /// canonical encoding; nil otherwise.
    static func order(of publicKey: [UInt8]) -> Int? {
        guard publicKey.count == 32 else { return nil }
        for (i, p) in points.enumerated() where p == publicKey { return encodings[i].order }
        return nil
    }
}
