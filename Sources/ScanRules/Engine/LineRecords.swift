import Foundation

/// The records of a line-per-record file (the corpus format of spec v1 §8):
/// each line's bytes, without its `\n`, are one record value, exactly. A
/// final newline does not start an extra record; any other empty line is an
/// (empty, hence `malformed`) record.
public struct LineRecords: RecordValues {
    /// The whole file.
    public let bytes: [UInt8]
    /// Byte range of each record within ``bytes``.
    public let ranges: [Range<Int>]

    /// Splits `bytes` into records at `\n`.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        var ranges: [Range<Int>] = []
        var start = 0
        bytes.withUnsafeBufferPointer { buf in
            for i in 0..<buf.count where buf[i] == 0x0A {
                ranges.append(start..<i)
                start = i + 1
            }
        }
        if start < bytes.count { ranges.append(start..<bytes.count) }
        self.ranges = ranges
    }

    /// Reads and splits a file.
    /// - Throws: `CocoaError` when the file cannot be read.
    public init(contentsOfFile path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        self.init(bytes: [UInt8](data))
    }

    public var count: Int { ranges.count }

    public func withValue<R>(at index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[ranges[index]])) }
    }
}
