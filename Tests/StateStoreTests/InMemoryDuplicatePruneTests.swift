import Testing
@testable import StateStore

@Suite("In-memory store: duplicate ids in minute buckets")
struct InMemoryDuplicatePruneTests {
    private let topic = "scan-events"

    @Test("pruning drops whole buckets; readers see each id once, at its latest time, never before the horizon")
    func bucketsArePrunedWhole() async throws {
        let store = InMemoryStateStore()
        try await store.migrate()
        let claim = try await store.claim(topic: topic, partition: 0, owner: "a")
        // 100 ids in each of ten minutes (day0Ms is a minute boundary).
        let ids = (0..<1_000).map { i in
            StoredDuplicateID(hi: UInt64(i) &* 0x9E37_79B9_7F4A_7C15, lo: UInt64(i), scannedAtMs: day0Ms + Int64(i) * 600)
        }
        var commit = PartitionCommit(topic: topic, partition: 0, epoch: claim.epoch, expectedSequence: 0, nextOffset: 1,
                                     openState: [], newDuplicateIDs: ids)
        #expect(try await store.commit([commit]) == [.committed(sequence: 1)])
        #expect(await store.heldDuplicateEntries(topic: topic, partition: 0) == (1_000, 10))

        // Id 150 (minute 1) is seen again in minute 8: its old entry is shadowed, not moved.
        let retimed = StoredDuplicateID(hi: ids[150].hi, lo: ids[150].lo, scannedAtMs: day0Ms + 8 * 60_000 + 5)
        commit.expectedSequence = 1
        commit.newDuplicateIDs = [retimed]
        #expect(try await store.commit([commit]) == [.committed(sequence: 2)])
        #expect(await store.heldDuplicateEntries(topic: topic, partition: 0) == (1_001, 10))
        var expected = Set(ids)
        expected.remove(ids[150])
        expected.insert(retimed)
        let all = try await store.loadDuplicateIDs(topic: topic, partition: 0, sinceMs: 0)
        #expect(all.count == 1_000)
        #expect(Set(all) == expected)

        // A horizon in the middle of minute 5: minutes 0–4 go (and the shadowed copy with
        // them), minute 5 stays held but readers see only its ids at or after the horizon.
        let horizon = day0Ms + 5 * 60_000 + 30_000
        commit.expectedSequence = 2
        commit.newDuplicateIDs = []
        commit.pruneDuplicatesBeforeMs = horizon
        #expect(try await store.commit([commit]) == [.committed(sequence: 3)])
        #expect(await store.heldDuplicateEntries(topic: topic, partition: 0) == (501, 5))
        let kept = try await store.loadDuplicateIDs(topic: topic, partition: 0, sinceMs: 0)
        #expect(Set(kept) == expected.filter { $0.scannedAtMs >= horizon })
        #expect(kept.count == 451)  // 50 of minute 5, 100 × 4 of minutes 6–9, and id 150 at its minute-8 time
        #expect(kept.contains(retimed))
        let recent = try await store.loadDuplicateIDs(topic: topic, partition: 0, sinceMs: day0Ms + 9 * 60_000)
        #expect(Set(recent) == Set(ids[900..<1_000]))
    }
}
