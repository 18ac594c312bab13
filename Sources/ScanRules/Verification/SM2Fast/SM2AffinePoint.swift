/// A finite point (x, y) of sm2p256v1, both coordinates in Montgomery form
/// (see `SM2Field`). Used for precomputed tables (mixed addition).
struct SM2AffinePoint: Sendable {
    var x: SM2UInt256
    var y: SM2UInt256

    /// The base point G (GB/T 32918.5-2017), Montgomery form.
    static let generator = SM2AffinePoint(
        x: SM2Field.toMontgomery(SM2UInt256(0x715A4589334C74C7, 0x8FE30BBFF2660BE1, 0x5F9904466A39C994, 0x32C4AE2C1F198119)),
        y: SM2Field.toMontgomery(SM2UInt256(0x02DF32E52139F0A0, 0xD0A9877CC62A4740, 0x59BDCEE36B692153, 0xBC3736A2F4F6779C)))

    /// From plain coordinates (each < p); nil when not both reduced or the point is
    /// not on y² = x³ − 3x + b.
    init?(plainX: SM2UInt256, plainY: SM2UInt256) {
        guard SM2Field.isReduced(plainX), SM2Field.isReduced(plainY) else { return nil }
        let x = SM2Field.toMontgomery(plainX), y = SM2Field.toMontgomery(plainY)
        let b = SM2Field.toMontgomery(SM2UInt256(0xDDBCBD414D940E93, 0xF39789F515AB8F92, 0x4D5A9E4BCF6509A7, 0x28E9FA9E9D9F5E34))
        let x3 = SM2Field.mul(SM2Field.sqr(x), x)
        let threeX = SM2Field.add(SM2Field.add(x, x), x)
        let rhs = SM2Field.add(SM2Field.sub(x3, threeX), b)
        guard SM2Field.sqr(y) == rhs else { return nil }
        self.x = x
        self.y = y
    }

    init(x: SM2UInt256, y: SM2UInt256) {
        self.x = x
        self.y = y
    }

    /// From the uncompressed SEC1 encoding `04 ‖ X ‖ Y` (65 bytes); nil otherwise or off the curve.
    init?(uncompressed bytes: [UInt8]) {
        guard bytes.count == 65, bytes[0] == 0x04,
              let x = SM2UInt256(bigEndian: Array(bytes[1..<33])),
              let y = SM2UInt256(bigEndian: Array(bytes[33..<65])) else { return nil }
        self.init(plainX: x, plainY: y)
    }
}
