/// A strict RFC 8259 JSON parser over raw bytes that writes a flat tape of
/// ``JSONNode``s into caller-provided memory (no allocation on the common path).
///
/// Rejected (``Failure/syntax``): a byte order mark, trailing non-whitespace,
/// control characters (U+0000–U+001F) in strings, unknown escapes, `\u` escapes
/// forming a lone or reversed surrogate, invalid UTF-8 in strings (overlong
/// forms, encoded surrogates, code points above U+10FFFF, truncated sequences),
/// numbers with leading zeros, a bare `-`, `.`, or exponent without digits,
/// nesting deeper than `maxDepth`, and tape overflow.
/// A key repeated within one object (compared after unescaping) is
/// ``Failure/duplicateKey``. The first error in document order wins.
struct JSONParser {
    enum Failure: Error { case syntax, duplicateKey }

    private let base: UnsafePointer<UInt8>
    private let length: Int
    private let tape: UnsafeMutableBufferPointer<JSONNode>
    private let maxDepth: Int
    private var pos = 0
    private(set) var nodeCount = 0
    /// Whether parsing stopped because the tape was full (the text may still be valid JSON).
    private(set) var overflowed = false

    /// - Parameters:
    ///   - tape: room for the nodes; ``JSONPrescan`` gives a sufficient capacity.
    ///   - maxDepth: containers may nest this many levels (top-level container = 1).
    init(base: UnsafePointer<UInt8>, length: Int, tape: UnsafeMutableBufferPointer<JSONNode>, maxDepth: Int) {
        self.base = base
        self.length = length
        self.tape = tape
        self.maxDepth = maxDepth
    }

    /// Parses one JSON text (whitespace, one value, whitespace, end) into the
    /// tape; the root is node 0. Returns the number of nodes written.
    mutating func parseDocument() -> Result<Int, Failure> {
        skipWhitespace()
        if let f = parseValue(depth: 0) { return .failure(f) }
        skipWhitespace()
        if pos != length { return .failure(.syntax) }
        return .success(nodeCount)
    }

    @inline(__always) private func byte(_ i: Int) -> UInt8 { base[i] }

    @inline(__always) private mutating func skipWhitespace() {
        while pos < length {
            let c = base[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { break }
        }
    }

    @inline(__always) private mutating func push(_ kind: JSONNode.Kind, flags: UInt8, start: Int, end: Int) -> Int? {
        guard nodeCount < tape.count else { overflowed = true; return nil }
        tape[nodeCount] = JSONNode(kind: kind, flags: flags, count: 0, start: Int32(start), end: Int32(end),
                                   next: Int32(nodeCount + 1))
        nodeCount += 1
        return nodeCount - 1
    }

    private mutating func parseValue(depth: Int) -> Failure? {
        guard pos < length else { return .syntax }
        switch base[pos] {
        case UInt8(ascii: "{"): return parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return parseString()
        case UInt8(ascii: "t"): return parseLiteral("true", .trueValue)
        case UInt8(ascii: "f"): return parseLiteral("false", .falseValue)
        case UInt8(ascii: "n"): return parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return parseNumber()
        default: return .syntax
        }
    }

    private mutating func parseLiteral(_ word: StaticString, _ kind: JSONNode.Kind) -> Failure? {
        let n = word.utf8CodeUnitCount
        guard length - pos >= n else { return .syntax }
        let w = word.utf8Start
        for i in 0..<n where base[pos + i] != w[i] { return .syntax }
        guard push(kind, flags: 0, start: pos, end: pos + n) != nil else { return .syntax }
        pos += n
        return nil
    }

    private mutating func parseNumber() -> Failure? {
        let start = pos
        var integer = true
        if base[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < length else { return .syntax }
        let first = base[pos]
        if first == UInt8(ascii: "0") {
            pos += 1
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            pos += 1
            while pos < length, isDigit(base[pos]) { pos += 1 }
        } else {
            return .syntax
        }
        if pos < length, base[pos] == UInt8(ascii: ".") {
            integer = false
            pos += 1
            let d = pos
            while pos < length, isDigit(base[pos]) { pos += 1 }
            if pos == d { return .syntax }
        }
        if pos < length, base[pos] | 0x20 == UInt8(ascii: "e") {
            integer = false
            pos += 1
            if pos < length, base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-") { pos += 1 }
            let d = pos
            while pos < length, isDigit(base[pos]) { pos += 1 }
            if pos == d { return .syntax }
        }
        guard push(.number, flags: integer ? JSONNode.integerForm : 0, start: start, end: pos) != nil else {
            return .syntax
        }
        return nil
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// Parses a string at `pos` (an opening quote), validating escapes and UTF-8.
    private mutating func parseString() -> Failure? {
        pos += 1
        let start = pos
        var flags: UInt8 = 0
        while true {
            // ASCII fast path: 8 bytes at a time while none is `"`, `\\`, < 0x20 or >= 0x80.
            while pos + 8 <= length {
                let v = UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self)
                if SWAR.hasSpecialStringByte(v) { break }
                pos += 8
            }
            while pos < length {
                let c = base[pos]
                if c >= 0x20 && c < 0x80 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") { pos += 1 } else { break }
            }
            guard pos < length else { return .syntax }
            let c = base[pos]
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { return .syntax }
            if c == UInt8(ascii: "\\") {
                flags |= JSONNode.hasEscape
                guard pos + 1 < length else { return .syntax }
                switch base[pos + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    pos += 2
                case UInt8(ascii: "u"):
                    guard let u = hex4(at: pos + 2) else { return .syntax }
                    pos += 6
                    if u >= 0xDC00 && u <= 0xDFFF { return .syntax }          // lone low surrogate
                    if u >= 0xD800 && u <= 0xDBFF {                           // needs a low surrogate next
                        guard pos + 1 < length, base[pos] == UInt8(ascii: "\\"), base[pos + 1] == UInt8(ascii: "u"),
                              let l = hex4(at: pos + 2), l >= 0xDC00 && l <= 0xDFFF else { return .syntax }
                        pos += 6
                    }
                default:
                    return .syntax
                }
                continue
            }
            // c >= 0x80: one UTF-8 sequence (RFC 3629, Table 3-7 of Unicode).
            flags |= JSONNode.nonASCII
            guard let n = UTF8Check.sequenceLength(base, pos, length) else { return .syntax }
            pos += n
        }
        guard push(.string, flags: flags, start: start, end: pos) != nil else { return .syntax }
        pos += 1  // closing quote
        return nil
    }

    @inline(__always) private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= length else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            guard let h = hexValue(base[i + k]) else { return nil }
            v = v << 4 | UInt32(h)
        }
        return v
    }

    private mutating func parseArray(depth: Int) -> Failure? {
        guard depth <= maxDepth, let me = push(.array, flags: 0, start: pos, end: pos) else { return .syntax }
        pos += 1
        skipWhitespace()
        var count = 0
        if pos < length, base[pos] == UInt8(ascii: "]") {
            pos += 1
        } else {
            while true {
                if let f = parseValue(depth: depth) { return f }
                count += 1
                skipWhitespace()
                guard pos < length else { return .syntax }
                if base[pos] == UInt8(ascii: ",") { pos += 1; skipWhitespace(); continue }
                if base[pos] == UInt8(ascii: "]") { pos += 1; break }
                return .syntax
            }
        }
        guard count <= Int(UInt32.max) else { return .syntax }
        tape[me].count = UInt32(count)
        tape[me].end = Int32(pos)
        tape[me].next = Int32(nodeCount)
        return nil
    }

    private mutating func parseObject(depth: Int) -> Failure? {
        guard depth <= maxDepth, let me = push(.object, flags: 0, start: pos, end: pos) else { return .syntax }
        pos += 1
        skipWhitespace()
        var count = 0
        if pos < length, base[pos] == UInt8(ascii: "}") {
            pos += 1
        } else {
            while true {
                guard pos < length, base[pos] == UInt8(ascii: "\"") else { return .syntax }
                if let f = parseString() { return f }
                skipWhitespace()
                guard pos < length, base[pos] == UInt8(ascii: ":") else { return .syntax }
                pos += 1
                skipWhitespace()
                if let f = parseValue(depth: depth) { return f }
                count += 1
                skipWhitespace()
                guard pos < length else { return .syntax }
                if base[pos] == UInt8(ascii: ",") { pos += 1; skipWhitespace(); continue }
                if base[pos] == UInt8(ascii: "}") { pos += 1; break }
                return .syntax
            }
        }
        guard count <= Int(UInt32.max) else { return .syntax }
        tape[me].count = UInt32(count)
        tape[me].end = Int32(pos)
        tape[me].next = Int32(nodeCount)
        if count > 1 {
            let doc = JSONDocument(base: base, nodes: UnsafeBufferPointer(tape))
            if doc.hasDuplicateKey(object: me) { return .duplicateKey }
        }
        return nil
    }
}

@inline(__always) func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// Word-at-a-time byte tests (Hacker's Delight 6-1); false positives only after a true hit.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `v` is zero (exact for the lowest such byte).
    @inline(__always) static func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }

    /// Whether some byte of `v` is `"` or `\`.
    @inline(__always) static func hasQuoteOrBackslash(_ v: UInt64) -> Bool {
        let q = v ^ (ones &* 0x22), b = v ^ (ones &* 0x5C)
        return ((q &- ones) & ~q | (b &- ones) & ~b) & highs != 0
    }

    /// Whether some byte of `v` is `"`, `\`, below 0x20 or at least 0x80.
    @inline(__always) static func hasSpecialStringByte(_ v: UInt64) -> Bool {
        let q = v ^ (ones &* 0x22), b = v ^ (ones &* 0x5C)
        return ((q &- ones) & ~q | (b &- ones) & ~b | (v &- ones &* 0x20) | v) & highs != 0
    }
}

/// Strict UTF-8 (RFC 3629) sequence checks.
enum UTF8Check {
    /// Length of the valid UTF-8 sequence starting at `i` (whose first byte is >= 0x80), or nil.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int? {
        let b0 = p[i]
        @inline(__always) func cont(_ k: Int) -> Bool { i + k < end && p[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            return cont(1) ? 2 : nil
        case 0xE0:
            guard i + 1 < end, p[i + 1] >= 0xA0 && p[i + 1] <= 0xBF, cont(2) else { return nil }
            return 3
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(1) && cont(2) ? 3 : nil
        case 0xED:
            guard i + 1 < end, p[i + 1] >= 0x80 && p[i + 1] <= 0x9F, cont(2) else { return nil }
            return 3
        case 0xF0:
            guard i + 1 < end, p[i + 1] >= 0x90 && p[i + 1] <= 0xBF, cont(2), cont(3) else { return nil }
            return 4
        case 0xF1...0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : nil
        case 0xF4:
            guard i + 1 < end, p[i + 1] >= 0x80 && p[i + 1] <= 0x8F, cont(2), cont(3) else { return nil }
            return 4
        default:
            return nil
        }
    }
}
