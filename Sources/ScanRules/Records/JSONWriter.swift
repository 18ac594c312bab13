/// A minimal JSON text writer (RFC 8259) for the records streamproc produces: objects,
/// string and integer fields. Strings are escaped (`"`, `\`, control characters as
/// `\u00XX`); everything else is written as UTF-8. Not thread-safe (a value type; use one per record).
struct JSONWriter {
    /// The UTF-8 bytes written so far.
    private(set) var bytes: [UInt8] = []
    /// Whether the innermost open object has no member yet.
    private var first = true

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    /// Writes `"name":` (with a separating comma when needed); a value must follow.
    mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        string(name)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ name: String, string value: String) {
        key(name)
        string(value)
    }

    mutating func field(_ name: String, int value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Appends `value` as a JSON string literal.
    mutating func string(_ value: String) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(b >> 4)])
                bytes.append(hex[Int(b & 0x0F)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
