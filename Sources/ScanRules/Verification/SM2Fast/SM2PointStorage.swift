/// An immutable array of affine points in memory aligned to 64 bytes, so that each
/// 64-byte point of a fixed-base table lies in exactly one cache line (a Swift array's
/// elements start 32 bytes into its allocation, so every point would straddle two lines
/// and a table lookup would miss twice). Owned by the class; freed with it. Thread-safe:
/// written only in `init`.
final class SM2PointStorage: @unchecked Sendable {
    /// The points.
    let buffer: UnsafeBufferPointer<SM2AffinePoint>

    /// Copies `points` into a new 64-byte-aligned allocation.
    init(copying points: [SM2AffinePoint]) {
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, points.count) * MemoryLayout<SM2AffinePoint>.stride, alignment: 64)
        let typed = raw.bindMemory(to: SM2AffinePoint.self, capacity: points.count)
        let mutable = UnsafeMutableBufferPointer(start: typed, count: points.count)
        _ = mutable.initialize(from: points)
        buffer = UnsafeBufferPointer(mutable)
    }

    deinit {
        UnsafeMutableRawPointer(mutating: buffer.baseAddress)?.deallocate()
    }
}
