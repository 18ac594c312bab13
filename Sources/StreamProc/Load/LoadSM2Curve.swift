import CLibcrypto

/// Constants of the SM2 recommended curve sm2p256v1 (GB/T 32918.5) and the ZA
/// computation of GB/T 32918.2 §5.5, for the load generator's signer.
enum LoadSM2Curve {
    static let a = bytes("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC")
    static let b = bytes("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93")
    static let gx = bytes("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7")
    static let gy = bytes("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0")
    /// The group order n.
    static let n = bytes("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123")

    private static func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex) ?? [] }

    /// Whether a 32-byte big-endian scalar lies in [1, n−2] (GB/T 32918.1 §6.1).
    static func isValidPrivateScalar(_ d: [UInt8]) -> Bool {
        guard d.count == 32, d.contains(where: { $0 != 0 }) else { return false }
        var nMinus1 = n; nMinus1[31] -= 1  // n ends in 0x23, no borrow
        return d.lexicographicallyPrecedes(nMinus1)
    }

    /// ZA = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A), ENTL_A the bit length
    /// of the id as 2 big-endian bytes. `publicKey` is `04‖X‖Y` (65 bytes).
    static func za(distid: [UInt8], publicKey: [UInt8]) -> [UInt8] {
        let bits = distid.count * 8
        var m: [UInt8] = [UInt8((bits >> 8) & 0xFF), UInt8(bits & 0xFF)]
        m += distid; m += a; m += b; m += gx; m += gy
        m += publicKey.dropFirst()
        return sm3(m)
    }

    /// SM3 (GB/T 32905) of `data`, one shot; 32 bytes (empty on an OpenSSL failure).
    static func sm3(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        let ok = data.withUnsafeBytes { d in
            out.withUnsafeMutableBufferPointer { o in
                EVP_Digest(d.baseAddress, d.count, o.baseAddress, &len, EVP_sm3(), nil)
            }
        }
        return ok == 1 && len == 32 ? out : []
    }
}
