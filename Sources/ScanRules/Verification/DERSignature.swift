/// Strict DER parser for ECDSA / SM2 signatures `SEQUENCE { INTEGER r, INTEGER s }`
/// (spec §3 "Strict DER"; X.690 §10 DER rules; SEC 1 §C.5 / GB/T 32918.2 signature form).
///
/// Shared by the SM2 and ES256 verifiers. Encoding faults (wrong tags, indefinite or
/// non-minimal lengths, negative or non-minimal INTEGERs, bytes after the SEQUENCE)
/// give `.badEncoding`; a well-formed signature whose r or s lies outside [1, n−1]
/// gives `.outOfRange` (verdict `invalid_signature`, not `malformed`).
enum DERSignature {
    /// Result of parsing: the big-endian magnitudes of r and s as ranges of the input
    /// (without the sign-padding 0x00), each 1–32 bytes and within [1, n−1].
    enum Parsed: Equatable {
        case badEncoding
        case outOfRange
        case scalars(r: Range<Int>, s: Range<Int>)
    }

    /// Order n of the P-256 group (FIPS 186-4 D.1.2.3), big-endian.
    static let p256Order: [UInt8] = Hex.decode(
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")!
    /// Order n of sm2p256v1 (GB/T 32918.5), big-endian.
    static let sm2Order: [UInt8] = Hex.decode(
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123")!

    /// Parses `der` strictly and checks r, s ∈ [1, n−1] for the 32-byte big-endian `order`.
    static func parse(_ der: [UInt8], order: [UInt8]) -> Parsed {
        der.withUnsafeBufferPointer { parse($0, order: order) }
    }

    static func parse(_ der: UnsafeBufferPointer<UInt8>, order: [UInt8]) -> Parsed {
        var pos = 0
        guard der.count >= 2, der[0] == 0x30 else { return .badEncoding }
        pos = 1
        guard let seqLen = readLength(der, &pos), pos + seqLen == der.count else { return .badEncoding }
        guard let r = readInteger(der, &pos), let s = readInteger(der, &pos), pos == der.count else {
            return .badEncoding
        }
        guard inRange(der, r, order), inRange(der, s, order) else { return .outOfRange }
        return .scalars(r: r, s: s)
    }

    /// Only the encoding check (no range check): true when `der` is strict DER.
    static func isStrictDER(_ der: [UInt8]) -> Bool {
        der.withUnsafeBufferPointer { p in
            var pos = 1
            guard p.count >= 2, p[0] == 0x30, let len = readLength(p, &pos), pos + len == p.count,
                  readInteger(p, &pos) != nil, readInteger(p, &pos) != nil, pos == p.count
            else { return false }
            return true
        }
    }

    /// Reads a definite, minimally encoded length at `pos` (X.690 §10.1); nil otherwise.
    private static func readLength(_ b: UnsafeBufferPointer<UInt8>, _ pos: inout Int) -> Int? {
        guard pos < b.count else { return nil }
        let first = b[pos]
        pos += 1
        if first < 0x80 { return Int(first) }
        let n = Int(first & 0x7F)
        // 0x80 is the indefinite form; more than 3 length bytes is never needed here.
        guard n >= 1, n <= 3, pos + n <= b.count, b[pos] != 0 else { return nil }
        var len = 0
        for i in 0..<n { len = len << 8 | Int(b[pos + i]) }
        pos += n
        guard len >= 0x80 else { return nil }  // would fit the short form
        return len
    }

    /// Reads `INTEGER` at `pos`: minimal, non-negative. Returns its magnitude range
    /// (leading 0x00 sign byte stripped; a zero value gives a range holding 0x00).
    private static func readInteger(_ b: UnsafeBufferPointer<UInt8>, _ pos: inout Int) -> Range<Int>? {
        guard pos < b.count, b[pos] == 0x02 else { return nil }
        pos += 1
        guard let len = readLength(b, &pos), len >= 1, pos + len <= b.count else { return nil }
        let start = pos
        pos += len
        if b[start] & 0x80 != 0 { return nil }                       // negative
        if b[start] == 0x00 && len > 1 {
            if b[start + 1] & 0x80 == 0 { return nil }               // unnecessary leading zero
            return (start + 1)..<(start + len)
        }
        return start..<(start + len)
    }

    /// 1 ≤ value ≤ order − 1 for a big-endian magnitude.
    private static func inRange(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ order: [UInt8]) -> Bool {
        if r.count > order.count { return false }
        var nonZero = false
        for i in r where b[i] != 0 { nonZero = true; break }
        if !nonZero { return false }
        if r.count < order.count { return true }
        for (i, j) in zip(r, order.indices) {
            if b[i] < order[j] { return true }
            if b[i] > order[j] { return false }
        }
        return false  // equal to n
    }

    /// r ‖ s as two 32-byte big-endian fields (left-padded), for raw-form APIs.
    static func raw32(_ der: [UInt8], r: Range<Int>, s: Range<Int>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        for (k, i) in r.enumerated() { out[32 - r.count + k] = der[i] }
        for (k, i) in s.enumerated() { out[64 - s.count + k] = der[i] }
        return out
    }
}
