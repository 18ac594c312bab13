/// Strict unpadded base64url (RFC 4648 §5) as required by spec v1 §3.
///
/// Rejected: any byte outside `A–Z a–z 0–9 - _` (including `=` padding,
/// `+`, `/`, whitespace), a length ≡ 1 (mod 4), and non-zero unused bits in
/// the last character (RFC 4648 §3.5, canonical encoding).
package enum Base64URL {
    /// Sextet value of each byte, 0xFF for bytes outside the alphabet.
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// Decoded length of `n` characters, or nil when `n` ≡ 1 (mod 4).
    @inline(__always) static func decodedLength(_ n: Int) -> Int? {
        switch n & 3 {
        case 0: n / 4 * 3
        case 2: n / 4 * 3 + 1
        case 3: n / 4 * 3 + 2
        default: nil
        }
    }

    /// Decodes `input` into `out` (which must hold ``decodedLength(_:)`` bytes).
    /// Returns false on any strictness violation.
    package static func decode(_ input: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard let total = decodedLength(input.count), out.count >= total else { return false }
        return table.withUnsafeBufferPointer { t in
            var i = 0, o = 0
            let full = input.count & ~3
            while i < full {
                let a = t[Int(input[i])], b = t[Int(input[i + 1])], c = t[Int(input[i + 2])], d = t[Int(input[i + 3])]
                if (a | b | c | d) & 0xC0 != 0 { return false }
                let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                out[o] = UInt8(truncatingIfNeeded: v >> 16)
                out[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                out[o + 2] = UInt8(truncatingIfNeeded: v)
                i += 4; o += 3
            }
            switch input.count - full {
            case 2:
                let a = t[Int(input[i])], b = t[Int(input[i + 1])]
                if (a | b) & 0xC0 != 0 || b & 0x0F != 0 { return false }
                out[o] = a << 2 | b >> 4
            case 3:
                let a = t[Int(input[i])], b = t[Int(input[i + 1])], c = t[Int(input[i + 2])]
                if (a | b | c) & 0xC0 != 0 || c & 0x03 != 0 { return false }
                out[o] = a << 2 | b >> 4
                out[o + 1] = (b & 0x0F) << 4 | c >> 2
            default:
                break
            }
            return true
        }
    }

    /// Decodes `input` into a new array; nil on any strictness violation.
    package static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let n = decodedLength(input.count) else { return nil }
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: n) { buf, initialized in
            ok = decode(input, into: buf)
            initialized = ok ? n : 0
        }
        return ok ? out : nil
    }

    /// Convenience for tests: decodes the UTF-8 of `s`.
    package static func decode(_ s: String) -> [UInt8]? {
        var s = s
        return s.withUTF8 { decode($0) }
    }
}

// MARK: - Encoding (the load generator writes codes)

extension Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Appends the encoding of `bytes` to `out`.
    package static func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        var i = 0
        let n = bytes.count
        while i + 3 <= n {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(alphabet[Int(v & 63)])
            i += 3
        }
        if n - i == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
        } else if n - i == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)])
        }
    }

    /// The encoding of `bytes` as a new array.
    package static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity((bytes.count * 4 + 2) / 3)
        encode(bytes, into: &out)
        return out
    }
}
