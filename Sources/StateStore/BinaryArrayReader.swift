import NIOCore

/// Parses one-dimensional PostgreSQL arrays in the binary wire format (`array_send`: ndim, has-null
/// flag, element type oid, per dimension size and lower bound, then per element a 4-byte length
/// and the element's binary form), fetched as raw bytes. Used by the restore loads, where
/// postgres-nio's generic `[String]` decoding would allocate a string per cell; here text
/// elements are interned (a restore's ~370k cells use only 20 + 41 + 8 distinct names).
struct BinaryArrayReader {
    /// An `int8[]` (or `bigint[]`); nil if the bytes are not such an array or hold a NULL.
    static func int64s(_ buffer: ByteBuffer) -> [Int64]? {
        var b = buffer
        guard let count = header(&b) else { return nil }
        var out: [Int64] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard let len = b.readInteger(endianness: .big, as: Int32.self), len == 8,
                  let v = b.readInteger(endianness: .big, as: Int64.self) else { return nil }
            out.append(v)
        }
        return out
    }

    /// A `text[]`, with equal elements sharing one `String`; nil if malformed or holding a NULL.
    static func strings(_ buffer: ByteBuffer) -> [String]? {
        var b = buffer
        guard let count = header(&b) else { return nil }
        var interned: [ByteBuffer: String] = [:]
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            guard let len = b.readInteger(endianness: .big, as: Int32.self), len >= 0,
                  let bytes = b.readSlice(length: Int(len)) else { return nil }
            if let s = interned[bytes] {
                out.append(s)
            } else {
                let s = String(buffer: bytes)
                interned[bytes] = s
                out.append(s)
            }
        }
        return out
    }

    /// Reads the header of a 1-D array (an empty array has ndim 0) and returns the element count.
    private static func header(_ b: inout ByteBuffer) -> Int? {
        guard let ndim = b.readInteger(endianness: .big, as: Int32.self),
              let _ = b.readInteger(endianness: .big, as: Int32.self),  // has-null flag
              let _ = b.readInteger(endianness: .big, as: UInt32.self)  // element oid
        else { return nil }
        if ndim == 0 { return 0 }
        guard ndim == 1, let size = b.readInteger(endianness: .big, as: Int32.self), size >= 0,
              let _ = b.readInteger(endianness: .big, as: Int32.self)  // lower bound
        else { return nil }
        return Int(size)
    }
}
