/// An immutable open-addressing hash table from byte strings to dense indices,
/// looked up straight from raw bytes (no String is created on the hot path).
struct ByteKeyTable: Sendable {
    private let keys: [[UInt8]]
    /// Slot -> index + 1 (0 = empty); capacity is a power of two, load ≤ 1/2.
    private let slots: [Int32]
    private let mask: Int

    /// Builds the table; `keys[i]` maps to `i`. Keys are assumed distinct.
    init(_ keys: [[UInt8]]) {
        var cap = 8
        while cap < keys.count * 2 { cap <<= 1 }
        var slots = [Int32](repeating: 0, count: cap)
        for (i, k) in keys.enumerated() {
            var s = Int(truncatingIfNeeded: ByteKeyTable.hash(k.withUnsafeBufferPointer { $0 })) & (cap - 1)
            while slots[s] != 0 { s = (s + 1) & (cap - 1) }
            slots[s] = Int32(i + 1)
        }
        self.keys = keys
        self.slots = slots
        self.mask = cap - 1
    }

    @inline(__always) static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return h ^ (h >> 29)
    }

    /// The index of `key`, or nil. O(1) expected.
    func index(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        var s = Int(truncatingIfNeeded: ByteKeyTable.hash(key)) & mask
        while true {
            let e = Int(slots[s])
            if e == 0 { return nil }
            let match = keys[e - 1].withUnsafeBufferPointer { k in
                k.count == key.count && (k.count == 0 || memcmpEqual(k, key))
            }
            if match { return e - 1 }
            s = (s + 1) & mask
        }
    }

    @inline(__always) private func memcmpEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }
}
