/// The compact id → event-time map behind ``DuplicateFilter`` (internal).
///
/// Open addressing with linear probing over three parallel arrays: `his` and
/// `los` (the two 64-bit halves of an id's 128-bit hash) and `offsets` (the
/// event time in ms as an unsigned 32-bit offset from `baseMs`): 20 bytes per
/// slot, no per-id allocation. A slot is empty iff its `hi` is 0 (callers never
/// store `hi == 0`, see ``DuplicateFilter/hash(eventID:)``). The home slot of an
/// id is `hi × capacity >> 64`, so any capacity works and the table grows and
/// shrinks in small steps (load factor kept in [0.625, 0.85] by the owner),
/// which keeps the memory per id held between 23.5 and 32 bytes.
///
/// A time that does not fit the 32-bit window `[baseMs, baseMs + 2^32 − 2]`
/// (an event far behind the others, or a horizon of weeks) is kept exactly in
/// the small `overflow` dictionary and its slot holds the sentinel offset.
///
/// Not thread-safe (a value type, owned by one partition's filter).
struct DuplicateIDTable: Sendable {
    /// One 128-bit id, used as the overflow key and in the pending list.
    struct Key: Hashable, Sendable {
        var hi: UInt64
        var lo: UInt64
    }

    private static let overflowOffset = UInt32.max

    private(set) var his: [UInt64]
    private(set) var los: [UInt64]
    private(set) var offsets: [UInt32]
    private(set) var overflow: [Key: Int64] = [:]
    /// Time origin of `offsets`, ms.
    private(set) var baseMs: Int64 = 0
    /// Ids held.
    private(set) var count = 0

    /// Number of slots.
    var capacity: Int { his.count }

    /// An empty table of `capacity` slots (at least 8).
    init(capacity: Int) {
        let c = max(8, capacity)
        his = Array(repeating: 0, count: c)
        los = Array(repeating: 0, count: c)
        offsets = Array(repeating: 0, count: c)
    }

    /// Bytes held by the slot arrays and the overflow dictionary (estimate of its storage).
    var allocatedBytes: Int {
        his.capacity * 8 + los.capacity * 8 + offsets.capacity * 4
            + overflow.capacity * (MemoryLayout<Key>.stride + MemoryLayout<Int64>.stride)
    }

    @inline(__always)
    private func home(_ hi: UInt64) -> Int {
        Int(truncatingIfNeeded: hi.multipliedFullWidth(by: UInt64(his.count)).high)
    }

    @inline(__always)
    private func next(_ i: Int) -> Int {
        let j = i &+ 1
        return j == his.count ? 0 : j
    }

    /// The slot holding `(hi, lo)`, or nil.
    func find(hi: UInt64, lo: UInt64) -> Int? {
        var i = home(hi)
        while true {
            let h = his[i]
            if h == 0 { return nil }
            if h == hi && los[i] == lo { return i }
            i = next(i)
        }
    }

    /// Event time (ms) of the id in `slot`.
    func time(at slot: Int) -> Int64 {
        let o = offsets[slot]
        if o == Self.overflowOffset { return overflow[Key(hi: his[slot], lo: los[slot])]! }
        return baseMs &+ Int64(o)
    }

    /// The 128-bit id in `slot`.
    func key(at slot: Int) -> Key { Key(hi: his[slot], lo: los[slot]) }

    /// Sets the time of the id in `slot`.
    mutating func setTime(_ ms: Int64, at slot: Int) {
        let key = Key(hi: his[slot], lo: los[slot])
        if offsets[slot] == Self.overflowOffset { overflow.removeValue(forKey: key) }
        store(ms, at: slot, key: key)
    }

    @inline(__always)
    private mutating func store(_ ms: Int64, at slot: Int, key: Key) {
        let (d, o) = ms.subtractingReportingOverflow(baseMs)
        if !o && d >= 0 && d < Int64(Self.overflowOffset) {
            offsets[slot] = UInt32(truncatingIfNeeded: d)
        } else {
            offsets[slot] = Self.overflowOffset
            overflow[key] = ms
        }
    }

    /// Inserts an id that is not in the table; the caller keeps the load below 1.
    mutating func insertNew(hi: UInt64, lo: UInt64, ms: Int64) {
        var i = home(hi)
        while his[i] != 0 { i = next(i) }
        his[i] = hi
        los[i] = lo
        store(ms, at: i, key: Key(hi: hi, lo: lo))
        count += 1
    }

    /// Removes the id in `slot` by backward-shift deletion (no tombstones): later
    /// entries of the cluster whose probe path crosses the hole move back into it.
    mutating func remove(at slot: Int) {
        if offsets[slot] == Self.overflowOffset { overflow.removeValue(forKey: key(at: slot)) }
        let c = his.count
        var hole = slot
        var j = slot
        while true {
            j = next(j)
            let h = his[j]
            if h == 0 { break }
            let home = self.home(h)
            // Movable iff the hole lies on the path home … j.
            let toHole = hole >= home ? hole - home : hole + c - home
            let toJ = j >= home ? j - home : j + c - home
            if toHole < toJ {
                his[hole] = h
                los[hole] = los[j]
                offsets[hole] = offsets[j]
                hole = j
            }
        }
        his[hole] = 0
        los[hole] = 0
        offsets[hole] = 0
        count -= 1
    }

    /// Removes every id for which `expired(time)` is true (one pass over the
    /// slots), then re-expresses the kept times relative to `newBaseMs` (kept
    /// times that do not fit the 32-bit window go to the overflow dictionary,
    /// overflow times that now fit come back into their slots).
    mutating func removeAll(where expired: (Int64) -> Bool, newBaseMs: Int64) {
        var i = 0
        while i < his.count {
            if his[i] != 0 && expired(time(at: i)) {
                remove(at: i)  // an entry may have moved into slot i: look at it again
            } else {
                i += 1
            }
        }
        rebase(to: newBaseMs)
    }

    private mutating func rebase(to newBaseMs: Int64) {
        guard newBaseMs != baseMs else { return }
        let old = baseMs
        baseMs = newBaseMs
        for i in 0..<his.count where his[i] != 0 && offsets[i] != Self.overflowOffset {
            store(old &+ Int64(offsets[i]), at: i, key: key(at: i))
        }
        if !overflow.isEmpty {
            for (key, ms) in overflow {
                guard let slot = find(hi: key.hi, lo: key.lo) else { continue }
                let (d, o) = ms.subtractingReportingOverflow(baseMs)
                if !o && d >= 0 && d < Int64(Self.overflowOffset) {
                    offsets[slot] = UInt32(truncatingIfNeeded: d)
                    overflow.removeValue(forKey: key)
                }
            }
        }
    }

    /// A copy with `capacity` slots (at least `count + 1`), same ids and times.
    func resized(to capacity: Int) -> DuplicateIDTable {
        var t = DuplicateIDTable(capacity: max(capacity, count + 1))
        t.baseMs = baseMs
        for i in 0..<his.count where his[i] != 0 {
            t.insertNew(hi: his[i], lo: los[i], ms: time(at: i))
        }
        return t
    }

    /// Sets the time origin of an empty table.
    mutating func setBase(_ ms: Int64) {
        precondition(count == 0, "setBase on a non-empty table")
        baseMs = ms
    }
}
