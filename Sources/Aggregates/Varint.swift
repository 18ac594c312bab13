/// LEB128 varints and zigzag for snapshots (internal).
enum Varint {
    static func put(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }
    static func putSigned(_ v: Int64, _ out: inout [UInt8]) {
        put(UInt64(bitPattern: (v << 1) ^ (v >> 63)), &out)
    }
}

/// A bounds-checked reader over snapshot bytes.
struct ByteReader {
    let bytes: [UInt8]
    var pos = 0

    mutating func byte() throws(SnapshotError) -> UInt8 {
        guard pos < bytes.count else { throw .truncated }
        defer { pos += 1 }
        return bytes[pos]
    }
    mutating func varint() throws(SnapshotError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw .invalid("varint overflow") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .invalid("varint too long") }
        }
    }
    mutating func signed() throws(SnapshotError) -> Int64 {
        let u = try varint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }
    /// A varint that must be `< limit`.
    mutating func bounded(_ limit: Int, _ what: String) throws(SnapshotError) -> Int {
        let v = try varint()
        guard v < UInt64(limit) else { throw .invalid(what) }
        return Int(v)
    }
}

/// Why ``PartitionWindows/init(snapshot:configuration:)`` or
/// ``PartitionWindows/init(configuration:openState:closedMinutes:closedHours:)`` rejected its input.
public enum SnapshotError: Error, Equatable, Sendable {
    /// The bytes end before the state does.
    case truncated
    /// The first byte is not the expected format version (this build reads snapshot version 2
    /// and open-state version 0xA1).
    case unsupportedVersion(UInt8)
    /// The snapshot's tables are larger than the configuration's (tables only grow).
    case tablesLargerThanConfiguration(scenarioCount: Int, districtCount: Int)
    /// A field (or a closed row) is out of range; the text names it.
    case invalid(String)
}
