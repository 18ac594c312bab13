import Aggregates
/// Bearer-token syntax and comparison (RFC 6750 §2.1), for ``BearerTokenMiddleware``.
public enum BearerToken {
    /// The shortest and longest accepted token, in bytes.
    public static let lengthRange = 16...4096

    /// True when `bytes` is an RFC 6750 `b64token` (`ALPHA / DIGIT / "-" / "." / "_" / "~"
    /// / "+" / "/"`, then any number of `=`) of ``lengthRange`` bytes.
    public static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
        guard lengthRange.contains(bytes.count) else { return false }
        var padding = false
        for b in bytes {
            if b == UInt8(ascii: "=") { padding = true; continue }
            if padding { return false }
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                continue
            default:
                return false
            }
        }
        return !padding || bytes.first != UInt8(ascii: "=")
    }

    /// The token of an `Authorization` header value `Bearer <token>` (scheme
    /// case-insensitive, one or more spaces), or `nil` for any other value.
    public static func parse(authorization value: String) -> [UInt8]? {
        let bytes = Array(value.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count,
              zip(bytes, scheme).allSatisfy({ ($0 | 0x20) == $1 }),
              bytes[scheme.count] == UInt8(ascii: " ")
        else { return nil }
        var token = bytes[(scheme.count + 1)...]
        while token.first == UInt8(ascii: " ") { token = token.dropFirst() }
        while token.last == UInt8(ascii: " ") { token = token.dropLast() }
        guard isToken(token) else { return nil }
        return Array(token)
    }

    /// True when `given` equals one of `accepted`.
    ///
    /// Constant time in `given`'s content: every accepted token is compared in full, with
    /// no early exit on the first differing byte or on a match, so the time depends only
    /// on the accepted tokens' lengths (not secret-dependent beyond them).
    public static func matches(_ given: [UInt8], accepted: [[UInt8]]) -> Bool {
        guard !given.isEmpty else { return false }
        var anyMatch: UInt8 = 0
        for expected in accepted {
            var diff: UInt = given.count == expected.count ? 0 : 1
            for i in 0..<expected.count {
                diff |= UInt(given[i % given.count] ^ expected[i])
            }
            // 1 when diff == 0, else 0, without a branch on diff.
            let equal = UInt8(truncatingIfNeeded: ((diff | (0 &- diff)) >> (UInt.bitWidth - 1)) ^ 1)
            anyMatch |= equal
        }
        return anyMatch == 1
    }
}
