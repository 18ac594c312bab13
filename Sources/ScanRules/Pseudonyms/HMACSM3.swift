/// HMAC-SM3: RFC 2104 HMAC over the SM3 hash of GB/T 32905-2016 (block size 64 bytes,
/// output 32 bytes), as specified for SM3 by GM/T 0042-2015 Appendix D.3.
///
/// Built on ``SM3`` (OpenSSL libcrypto's SM3). Pure function, thread-safe.
public enum HMACSM3 {
    /// SM3's block size B of RFC 2104 §2, in bytes.
    public static let blockSize = 64
    /// The MAC length, in bytes.
    public static let outputSize = 32

    /// HMAC-SM3(`key`, `message`) = SM3((K ⊕ opad) ‖ SM3((K ⊕ ipad) ‖ message)), where K is
    /// `key` zero-padded to 64 bytes, or SM3(`key`) zero-padded when `key` is longer than
    /// 64 bytes (RFC 2104 §2). Any key length is accepted here; callers set their own minimum
    /// (``PseudonymKey`` requires 16 bytes).
    /// - Returns: 32 bytes; empty only if libcrypto lacks SM3 (an environment fault, see ``SM3``).
    public static func mac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var k = key
        if k.count > blockSize {
            k = SM3.hash(k)
            if k.isEmpty { return [] }
        }
        k.append(contentsOf: repeatElement(0, count: blockSize - k.count))
        let inner = SM3.hash(k.map { $0 ^ 0x36 }, message)
        if inner.isEmpty { return [] }
        return SM3.hash(k.map { $0 ^ 0x5C }, inner)
    }
}
