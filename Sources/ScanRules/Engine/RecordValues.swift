/// Random access to the values of a batch of records, for judging them in
/// parallel without copying: a Kafka batch keeps its values in one buffer,
/// a replay file in another.
public protocol RecordValues: Sendable {
    /// Number of values.
    var count: Int { get }
    /// Calls `body` with the bytes of value `index` (0-based, < ``count``).
    func withValue<R>(at index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R
}

/// Values held as an array of byte arrays.
extension Array: RecordValues where Element == [UInt8] {
    public func withValue<R>(at index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        self[index].withUnsafeBytes(body)
    }
}
