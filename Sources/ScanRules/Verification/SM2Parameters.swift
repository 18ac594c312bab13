/// Curve sm2p256v1 parameters and the ZA computation (GB/T 32918.2-2016 §5.5,
/// curve from GB/T 32918.5-2017; default distid from GM/T 0009-2012).
public enum SM2Parameters {
    /// The default distinguishing id `1234567812345678` (GM/T 0009), used when a
    /// registry entry has no `distid` (spec §3, §4).
    public static let defaultDistid = "1234567812345678"

    // Big-endian 32-byte curve constants a, b, xG, yG and the group order n of sm2p256v1.
    public static let a = Hex.decode("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")!
    public static let b = Hex.decode("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")!
    public static let xG = Hex.decode("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")!
    public static let yG = Hex.decode("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")!

    public static let n = Hex.decode("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123")!

    /// Largest distid in bytes: ENTL is the id's bit length in 2 bytes.
    public static let maxDistidBytes = 8191

    /// ZA = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), 32 bytes, for the
    /// uncompressed public point `04 ‖ xA ‖ yA` (65 bytes) and `distid` (≤ 8191 bytes).
    /// Returns nil for other shapes.
    public static func za(distid: [UInt8], publicPoint: [UInt8]) -> [UInt8]? {
        guard publicPoint.count == 65, publicPoint[0] == 0x04, distid.count <= maxDistidBytes else {
            return nil
        }
        let entl = distid.count * 8
        var input: [UInt8] = [UInt8(entl >> 8), UInt8(entl & 0xFF)]
        input.reserveCapacity(2 + distid.count + 6 * 32)
        input += distid
        input += a
        input += b
        input += xG
        input += yG
        input += publicPoint[1...]
        let digest = SM3.hash(input)
        return digest.count == 32 ? digest : nil
    }
}
