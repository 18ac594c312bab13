/// Read access to a parsed tape (``JSONParser``) over the bytes it was parsed from.
/// Valid only while the parsed buffer and the tape are alive.
struct JSONDocument {
    let base: UnsafePointer<UInt8>
    let nodes: UnsafeBufferPointer<JSONNode>

    @inline(__always) subscript(_ i: Int) -> JSONNode { nodes[i] }

    /// Raw bytes of node `i` (for strings: between the quotes, escapes not undone).
    @inline(__always) func raw(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let n = nodes[i]
        return UnsafeBufferPointer(start: base + Int(n.start), count: Int(n.end - n.start))
    }

    /// Calls `body(keyIndex, valueIndex)` for each member of object `obj`, in order; stops when `body` returns false.
    @inline(__always) func forEachMember(_ obj: Int, _ body: (Int, Int) -> Bool) {
        let end = Int(nodes[obj].next)
        var k = obj + 1
        while k < end {
            let v = k + 1
            if !body(k, v) { return }
            k = Int(nodes[v].next)
        }
    }

    /// The value index of member `key` (ASCII, no escapes needed) of object `obj`, or nil.
    func member(_ obj: Int, _ key: StaticString) -> Int? {
        var found: Int?
        forEachMember(obj) { k, v in
            if stringEquals(k, key) { found = v; return false }
            return true
        }
        return found
    }

    /// Whether string node `i`, after unescaping, equals `s`.
    @inline(__always) func stringEquals(_ i: Int, _ s: StaticString) -> Bool {
        stringEquals(i, UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Whether string node `i`, after unescaping, equals the UTF-8 bytes `s`.
    func stringEquals(_ i: Int, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = nodes[i]
        if n.flags & JSONNode.hasEscape == 0 {
            let r = raw(i)
            guard r.count == s.count else { return false }
            for k in 0..<r.count where r[k] != s[k] { return false }
            return true
        }
        var it = UnescapedBytes(raw(i))
        var k = 0
        while let b = it.next() {
            guard k < s.count, s[k] == b else { return false }
            k += 1
        }
        return k == s.count
    }

    /// Whether string nodes `a` and `b` are equal after unescaping.
    func stringsEqual(_ a: Int, _ b: Int) -> Bool {
        let na = nodes[a], nb = nodes[b]
        if (na.flags | nb.flags) & JSONNode.hasEscape == 0 {
            guard na.end - na.start == nb.end - nb.start else { return false }
            let ra = raw(a), rb = raw(b)
            for k in 0..<ra.count where ra[k] != rb[k] { return false }
            return true
        }
        var ia = UnescapedBytes(raw(a)), ib = UnescapedBytes(raw(b))
        while true {
            let x = ia.next(), y = ib.next()
            if x != y { return false }
            if x == nil { return true }
        }
    }

    /// FNV-1a hash of string node `i` after unescaping.
    func stringHash(_ i: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        if nodes[i].flags & JSONNode.hasEscape == 0 {
            for b in raw(i) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        } else {
            var it = UnescapedBytes(raw(i))
            while let b = it.next() { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return h
    }

    /// Whether two keys of object `obj` are equal after unescaping (RFC 8259 §4 leaves this open; spec v1 §2 forbids it).
    func hasDuplicateKey(object obj: Int) -> Bool {
        let count = Int(nodes[obj].count)
        if count <= 16 {
            var keys: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            return withUnsafeMutableBytes(of: &keys) { raw in
                let ks = raw.bindMemory(to: Int.self)
                var n = 0
                var dup = false
                // A 64-bit filter of (length, first byte, last byte) fingerprints: a key is compared with
                // the earlier keys only when its fingerprint was seen before, or once any key has escapes
                // (raw fingerprints then no longer reflect the unescaped text).
                var seen: UInt64 = 0
                var anyEscape = false
                forEachMember(obj) { k, _ in
                    let node = nodes[k]
                    if node.flags & JSONNode.hasEscape != 0 { anyEscape = true }
                    let len = Int(node.end - node.start)
                    let fp = len == 0 ? 0 : (len &* 7 &+ Int(base[Int(node.start)]) &* 3 &+ Int(base[Int(node.end) - 1]))
                    let bit: UInt64 = 1 << UInt64(fp & 63)
                    if anyEscape || seen & bit != 0 {
                        for j in 0..<n where stringsEqual(ks[j], k) { dup = true; return false }
                    }
                    seen |= bit
                    ks[n] = k
                    n += 1
                    return true
                }
                return dup
            }
        }
        return withUnsafeTemporaryAllocation(of: (UInt64, Int).self, capacity: count) { storage in
            var buf = storage
            var n = 0
            forEachMember(obj) { k, _ in
                buf[n] = (stringHash(k), k)
                n += 1
                return true
            }
            buf.sort { $0.0 < $1.0 }
            var i = 0
            while i < n {
                var j = i + 1
                while j < n && buf[j].0 == buf[i].0 { j += 1 }
                if j - i > 1 {
                    for a in i..<j { for b in (a + 1)..<j where stringsEqual(buf[a].1, buf[b].1) { return true } }
                }
                i = j
            }
            return false
        }
    }

    /// Number of Unicode scalars of string node `i` after unescaping (a surrogate pair counts once).
    func scalarCount(_ i: Int) -> Int {
        let n = nodes[i]
        let r = raw(i)
        if n.flags & (JSONNode.hasEscape | JSONNode.nonASCII) == 0 { return r.count }
        var it = UnescapedBytes(r)
        var c = 0
        while let b = it.next() { if b & 0xC0 != 0x80 { c += 1 } }
        return c
    }

    /// Whether string node `i` is 1...max printable ASCII chars (0x20–0x7E) after unescaping.
    func isPrintableASCII(_ i: Int, max: Int) -> Bool {
        var it = UnescapedBytes(raw(i))
        var c = 0
        while let b = it.next() {
            guard b >= 0x20 && b <= 0x7E else { return false }
            c += 1
            if c > max { return false }
        }
        return c >= 1
    }

    /// Whether string node `i` is 1...max chars of `[A-Za-z0-9_-]` after unescaping.
    func isIDChars(_ i: Int, max: Int) -> Bool {
        var it = UnescapedBytes(raw(i))
        var c = 0
        while let b = it.next() {
            let ok = (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F || b == 0x2D
            guard ok else { return false }
            c += 1
            if c > max { return false }
        }
        return c >= 1
    }

    /// The string node `i` after unescaping, as a Swift String (already valid UTF-8).
    func string(_ i: Int) -> String {
        let n = nodes[i]
        if n.flags & JSONNode.hasEscape == 0 {
            return String(decoding: raw(i), as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(n.end - n.start))
        var it = UnescapedBytes(raw(i))
        while let b = it.next() { bytes.append(b) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Calls `body` with the unescaped bytes of string node `i` (no copy when it has no escapes).
    func withUnescaped<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let n = nodes[i]
        if n.flags & JSONNode.hasEscape == 0 { return body(raw(i)) }
        let cap = Int(n.end - n.start)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(cap, 1)) { buf in
            var it = UnescapedBytes(raw(i))
            var k = 0
            while let b = it.next() { buf[k] = b; k += 1 }
            return body(UnsafeBufferPointer(rebasing: buf[0..<k]))
        }
    }

    /// Outcome of reading an integer field.
    enum IntegerValue { case value(Int64), notNumber, notInteger, outOfRange }

    /// The largest magnitude accepted as an integer: 2^53 (spec v1 §2, "within ±2^53", inclusive).
    static let integerLimit: Int64 = 1 << 53

    /// Reads node `i` as a spec "integer": a number without fraction or exponent,
    /// |n| <= 2^53. Fraction/exponent forms are `notInteger`, larger magnitudes `outOfRange`.
    func integer(_ i: Int) -> IntegerValue {
        let n = nodes[i]
        guard n.kind == .number else { return .notNumber }
        guard n.flags & JSONNode.integerForm != 0 else { return .notInteger }
        let r = raw(i)
        var k = 0
        var negative = false
        if r[0] == UInt8(ascii: "-") { negative = true; k = 1 }
        if r.count - k > 16 { return .outOfRange }  // 2^53 has 16 digits
        var v: Int64 = 0
        while k < r.count { v = v * 10 + Int64(r[k] - UInt8(ascii: "0")); k += 1 }
        if v > JSONDocument.integerLimit { return .outOfRange }
        return .value(negative ? -v : v)
    }
}

/// Iterates the UTF-8 bytes of a JSON string body (already validated by
/// ``JSONParser``) with escapes undone; `\uXXXX` (and surrogate pairs) become UTF-8.
struct UnescapedBytes {
    private let raw: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var pending: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private var pendingCount = 0

    init(_ raw: UnsafeBufferPointer<UInt8>) { self.raw = raw }

    var isAtEnd: Bool { pendingCount == 0 && i >= raw.count }

    mutating func next() -> UInt8? {
        if pendingCount > 0 {
            let b: UInt8
            switch pendingCount {
            case 3: b = pending.0
            case 2: b = pending.1
            default: b = pending.2
            }
            pendingCount -= 1
            return b
        }
        guard i < raw.count else { return nil }
        let c = raw[i]
        if c != UInt8(ascii: "\\") { i += 1; return c }
        let e = raw[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            var u = hex4(i)
            i += 4
            if u >= 0xD800 && u <= 0xDBFF {
                let lo = hex4(i + 2)
                i += 6
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
            }
            return emit(u)
        default: return e  // " \ /
        }
    }

    private func hex4(_ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | UInt32(hexValue(raw[at + k]) ?? 0) }
        return v
    }

    private mutating func emit(_ u: UInt32) -> UInt8 {
        switch u {
        case 0..<0x80:
            return UInt8(u)
        case 0x80..<0x800:
            pending = (UInt8(0x80 | (u & 0x3F)), 0, 0)
            pendingCount = 1
            pending.2 = pending.0
            return UInt8(0xC0 | (u >> 6))
        case 0x800..<0x10000:
            pending = (0, UInt8(0x80 | ((u >> 6) & 0x3F)), UInt8(0x80 | (u & 0x3F)))
            pendingCount = 2
            return UInt8(0xE0 | (u >> 12))
        default:
            pending = (UInt8(0x80 | ((u >> 12) & 0x3F)), UInt8(0x80 | ((u >> 6) & 0x3F)), UInt8(0x80 | (u & 0x3F)))
            pendingCount = 3
            return UInt8(0xF0 | (u >> 18))
        }
    }
}
