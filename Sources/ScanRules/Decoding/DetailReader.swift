/// Typed reads of the members of one `detail` object (spec v1 §6), used by the
/// generated `*Detail` initialisers. Every failed rule reads as nil (→ `bad_detail`).
struct DetailReader {
    let doc: JSONDocument
    let object: Int

    /// Result of reading an optional field: `.ok(nil)` when absent, `.bad` when present and breaking its rule.
    enum Optional<T> { case ok(T?), bad }

    /// Maximum length of a `detail` string, in Unicode scalars (spec v1 §6).
    static let maxStringChars = 64

    private func str(_ v: Int) -> String? {
        guard doc[v].kind == .string else { return nil }
        let n = doc.scalarCount(v)
        guard n >= 1 && n <= DetailReader.maxStringChars else { return nil }
        return doc.string(v)
    }

    private func int(_ v: Int, min: Int64) -> Int64? {
        guard case .value(let x) = doc.integer(v), x >= min else { return nil }
        return x
    }

    private func enumeration<E>(_ v: Int, _ parse: (UnsafeBufferPointer<UInt8>) -> E?) -> E? {
        guard doc[v].kind == .string else { return nil }
        return doc.withUnescaped(v, parse)
    }

    /// A required string of 1–64 chars.
    func string(_ key: StaticString) -> String? {
        guard let v = doc.member(object, key) else { return nil }
        return str(v)
    }

    /// An optional string of 1–64 chars.
    func optString(_ key: StaticString) -> Optional<String> {
        guard let v = doc.member(object, key) else { return .ok(nil) }
        guard let s = str(v) else { return .bad }
        return .ok(s)
    }

    /// A required amount: integer ≥ 0 (fen).
    func amount(_ key: StaticString) -> Int64? {
        guard let v = doc.member(object, key) else { return nil }
        return int(v, min: 0)
    }

    /// An optional amount: integer ≥ 0 (fen).
    func optAmount(_ key: StaticString) -> Optional<Int64> {
        guard let v = doc.member(object, key) else { return .ok(nil) }
        guard let x = int(v, min: 0) else { return .bad }
        return .ok(x)
    }

    /// A required integer ≥ 1 (e.g. `guests`).
    func positive(_ key: StaticString) -> Int64? {
        guard let v = doc.member(object, key) else { return nil }
        return int(v, min: 1)
    }

    /// A required string that must be a wire value of an enumeration (`parse` maps bytes to a case).
    func enumValue<E>(_ key: StaticString, _ parse: (UnsafeBufferPointer<UInt8>) -> E?) -> E? {
        guard let v = doc.member(object, key) else { return nil }
        return enumeration(v, parse)
    }

    /// An optional string that, when present, must be a wire value of an enumeration.
    func optEnum<E>(_ key: StaticString, _ parse: (UnsafeBufferPointer<UInt8>) -> E?) -> Optional<E> {
        guard let v = doc.member(object, key) else { return .ok(nil) }
        guard let e = enumeration(v, parse) else { return .bad }
        return .ok(e)
    }
}

/// Whether the bytes `b` equal the ASCII text `s`.
@inline(__always) func wireEquals(_ b: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
    guard b.count == s.utf8CodeUnitCount else { return false }
    let p = s.utf8Start
    for i in 0..<b.count where b[i] != p[i] { return false }
    return true
}
