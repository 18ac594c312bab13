import Testing
@testable import StateStore

private let topic = "scan-events"
private let minute: Int64 = 60_000
private let hour: Int64 = 3_600_000

private func cell(_ ms: Int64, _ s: String, _ d: String, _ v: String, _ n: Int64) -> StoredCount {
    StoredCount(windowStartMs: ms, scenario: s, district: d, verdict: v, count: n)
}

private func sorted(_ rows: [StoredCount]) -> [StoredCount] {
    rows.sorted { ($0.windowStartMs, $0.scenario, $0.district, $0.verdict) < ($1.windowStartMs, $1.scenario, $1.district, $1.verdict) }
}

private let everything: Range<Int64> = 0..<Int64.max / 4

/// The same behaviour suite against ``InMemoryStateStore`` and ``PostgresStateStore``.
@Suite struct StateStoreBehaviourTests {
    @Test(arguments: Backend.allCases)
    func migrateTwiceKeepsData(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let claim = try await store.claim(topic: topic, partition: 0, owner: "a")
            let out = try await store.commit([PartitionCommit(topic: topic, partition: 0, epoch: claim.epoch,
                                                              expectedSequence: claim.sequence, nextOffset: 42, openState: [1, 2])])
            #expect(out == [.committed(sequence: 1)])
            try await store.migrate()
            try await store.migrate()
            let again = try await store.claim(topic: topic, partition: 0, owner: "a")
            #expect(again.epoch == 2)
            #expect(again.nextOffset == 42)
            #expect(again.openState == [1, 2])
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentMigrations(_ backend: Backend) async throws {
        try await withStore(backend, migrated: false) { store, _ in
            async let a: Void = store.migrate()
            async let b: Void = store.migrate()
            async let c: Void = store.migrate()
            _ = try await (a, b, c)
            let claim = try await store.claim(topic: topic, partition: 3, owner: "x")
            #expect(claim.epoch == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func notMigratedIsReported(_ backend: Backend) async throws {
        try await withStore(backend, migrated: false) { store, _ in
            await #expect {
                _ = try await store.claim(topic: topic, partition: 0, owner: "a")
            } throws: { error in
                if case StoreError.notMigrated = error { return true }
                return false
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func schemaTooNew(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await fixture.setSchemaVersion(Schema.currentVersion + 1)
            await #expect {
                try await store.migrate()
            } throws: { error in
                guard case StoreError.schemaTooNew(let found, let known) = error else { return false }
                return found == Schema.currentVersion + 1 && known == Schema.currentVersion
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func claimIncrementsTheEpoch(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let first = try await store.claim(topic: topic, partition: 7, owner: "a")
            #expect(first == PartitionClaim(topic: topic, partition: 7, epoch: 1, nextOffset: nil, openState: [], sequence: 0))
            let second = try await store.claim(topic: topic, partition: 7, owner: "b")
            #expect(second.epoch == 2)
            let third = try await store.claim(topic: topic, partition: 7, owner: "a")
            #expect(third.epoch == 3)
            let other = try await store.claim(topic: topic, partition: 8, owner: "a")
            #expect(other.epoch == 1)
            let otherTopic = try await store.claim(topic: "other", partition: 7, owner: "a")
            #expect(otherTopic.epoch == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func commitThenClaimReturnsWhatWasCommitted(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let claim = try await store.claim(topic: topic, partition: 1, owner: "a")
            let state = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let w = day0Ms + 5 * minute
            let commit = PartitionCommit(
                topic: topic, partition: 1, epoch: claim.epoch, expectedSequence: claim.sequence, nextOffset: 1_234,
                openState: state,
                closedCounts: [cell(w, "s1", "d1", "valid", 5), cell(w, "s1", "d2", "expired", 2)],
                unattributedIncrements: ["malformed": 3],
                newDuplicateIDs: [StoredDuplicateID(hi: .max, lo: 1, scannedAtMs: day0Ms)])
            #expect(try await store.commit([commit]) == [.committed(sequence: 1)])
            let next = PartitionCommit(topic: topic, partition: 1, epoch: claim.epoch, expectedSequence: 1,
                                       nextOffset: 2_000, openState: [9])
            #expect(try await store.commit([next]) == [.committed(sequence: 2)])

            let reclaimed = try await store.claim(topic: topic, partition: 1, owner: "b")
            #expect(reclaimed.epoch == 2)
            #expect(reclaimed.nextOffset == 2_000)
            #expect(reclaimed.openState == [9])
            #expect(reclaimed.sequence == 2)
            let closed = try await store.loadClosed(topic: topic, partition: 1, minutes: w..<(w + minute), hours: everything)
            #expect(sorted(closed.minutes) == [cell(w, "s1", "d1", "valid", 5), cell(w, "s1", "d2", "expired", 2)])
            #expect(sorted(closed.hours) == [cell(day0Ms, "s1", "d1", "valid", 5), cell(day0Ms, "s1", "d2", "expired", 2)])
            let outside = try await store.loadClosed(topic: topic, partition: 1, minutes: (w + minute)..<(w + 2 * minute),
                                                     hours: 0..<day0Ms)
            #expect(outside == ClosedCounts(minutes: [], hours: []))
            let other = try await store.loadClosed(topic: topic, partition: 2, minutes: everything, hours: everything)
            #expect(other == ClosedCounts(minutes: [], hours: []))
            #expect(try await store.loadUnattributed(topic: topic, partition: 1) == ["malformed": 3])
            #expect(try await store.loadDuplicateIDs(topic: topic, partition: 1, sinceMs: 0)
                    == [StoredDuplicateID(hi: .max, lo: 1, scannedAtMs: day0Ms)])
            // The big open state round-trips bit for bit too.
            let c3 = PartitionCommit(topic: topic, partition: 1, epoch: reclaimed.epoch, expectedSequence: 2,
                                     nextOffset: 2_001, openState: state)
            #expect(try await store.commit([c3]) == [.committed(sequence: 3)])
            #expect(try await store.claim(topic: topic, partition: 1, owner: "b").openState == state)
        }
    }

    @Test(arguments: Backend.allCases)
    func fencedCommitWritesNothing(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.claim(topic: topic, partition: 0, owner: "a")
            let w = day0Ms
            let first = PartitionCommit(topic: topic, partition: 0, epoch: a.epoch, expectedSequence: 0, nextOffset: 10,
                                        openState: [1], closedCounts: [cell(w, "s", "d", "valid", 4)])
            #expect(try await store.commit([first]) == [.committed(sequence: 1)])
            let b = try await store.claim(topic: topic, partition: 0, owner: "b")
            #expect(b.epoch == a.epoch + 1)
            let zombie = PartitionCommit(
                topic: topic, partition: 0, epoch: a.epoch, expectedSequence: 1, nextOffset: 99, openState: [6, 6, 6],
                closedCounts: [cell(w, "s", "d", "valid", 100), cell(w + minute, "s", "d", "valid", 1)],
                lateIncrements: [cell(w, "s", "d", "valid", 7)], unattributedIncrements: ["x": 1],
                newDuplicateIDs: [StoredDuplicateID(hi: 1, lo: 2, scannedAtMs: w)], pruneDuplicatesBeforeMs: .max)
            #expect(try await store.commit([zombie]) == [.fenced(currentEpoch: b.epoch)])

            let closed = try await store.loadClosed(topic: topic, partition: 0, minutes: everything, hours: everything)
            #expect(closed.minutes == [cell(w, "s", "d", "valid", 4)])
            #expect(closed.hours == [cell(w, "s", "d", "valid", 4)])
            let late = try await store.loadLate(topic: topic, partition: 0, minutes: everything, hours: everything)
            #expect(late == ClosedCounts(minutes: [], hours: []))
            #expect(try await store.loadUnattributed(topic: topic, partition: 0) == [:])
            #expect(try await store.loadDuplicateIDs(topic: topic, partition: 0, sinceMs: 0) == [])
            let c = try await store.claim(topic: topic, partition: 0, owner: "c")
            #expect(c.nextOffset == 10)
            #expect(c.openState == [1])
            #expect(c.sequence == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func partitionsAreIndependentInABatch(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let p0 = try await store.claim(topic: topic, partition: 0, owner: "a")
            let p1 = try await store.claim(topic: topic, partition: 1, owner: "a")
            _ = try await store.claim(topic: topic, partition: 0, owner: "b")  // steals p0
            let out = try await store.commit([
                PartitionCommit(topic: topic, partition: 0, epoch: p0.epoch, expectedSequence: 0, nextOffset: 5, openState: []),
                PartitionCommit(topic: topic, partition: 1, epoch: p1.epoch, expectedSequence: 0, nextOffset: 6, openState: [],
                                closedCounts: [cell(day0Ms, "s", "d", "valid", 1)]),
            ])
            #expect(out == [.fenced(currentEpoch: 2), .committed(sequence: 1)])
            #expect(try await store.claim(topic: topic, partition: 1, owner: "a").nextOffset == 6)
            #expect(try await store.claim(topic: topic, partition: 0, owner: "a").nextOffset == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func retriedCommitIsAppliedOnce(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.claim(topic: topic, partition: 0, owner: "a")
            let commit = PartitionCommit(topic: topic, partition: 0, epoch: a.epoch, expectedSequence: 0, nextOffset: 10,
                                         openState: [], closedCounts: [cell(day0Ms, "s", "d", "valid", 4)])
            #expect(try await store.commit([commit]) == [.committed(sequence: 1)])
            #expect(try await store.commit([commit]) == [.alreadyCommitted(sequence: 1)])
            let closed = try await store.loadClosed(topic: topic, partition: 0, minutes: everything, hours: everything)
            #expect(closed.minutes == [cell(day0Ms, "s", "d", "valid", 4)])
            var skipped = commit
            skipped.expectedSequence = 5
            await #expect {
                _ = try await store.commit([skipped])
            } throws: { error in
                guard case StoreError.sequenceMismatch(_, _, let expected, let found) = error else { return false }
                return expected == 5 && found == 1
            }
            var unclaimed = commit
            unclaimed.partition = 99
            await #expect {
                _ = try await store.commit([unclaimed])
            } throws: { error in
                if case StoreError.notClaimed(topic, 99) = error { return true }
                return false
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func lateIncrementsAddToTheClosedRow(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.claim(topic: topic, partition: 0, owner: "a")
            let w = day0Ms + 10 * minute
            var seq = a.sequence
            func commit(_ closed: [StoredCount], _ late: [StoredCount]) async throws {
                let out = try await store.commit([PartitionCommit(topic: topic, partition: 0, epoch: a.epoch, expectedSequence: seq,
                                                                  nextOffset: seq + 1, openState: [],
                                                                  closedCounts: closed, lateIncrements: late)])
                #expect(out == [.committed(sequence: seq + 1)])
                seq += 1
            }
            try await commit([cell(w, "s", "d", "valid", 10)], [])
            try await commit([], [cell(w, "s", "d", "valid", 2)])
            try await commit([], [cell(w, "s", "d", "valid", 3), cell(w, "s", "d2", "expired", 1)])
            let onTime = try await store.loadClosed(topic: topic, partition: 0, minutes: everything, hours: everything)
            // The late-only cell has count 0 and is not an on-time row.
            #expect(onTime.minutes == [cell(w, "s", "d", "valid", 10)])
            #expect(onTime.hours == [cell(day0Ms, "s", "d", "valid", 10)])
            let late = try await store.loadLate(topic: topic, partition: 0, minutes: everything, hours: everything)
            #expect(sorted(late.minutes) == [cell(w, "s", "d", "valid", 5), cell(w, "s", "d2", "expired", 1)])
            #expect(sorted(late.hours) == [cell(day0Ms, "s", "d", "valid", 5), cell(day0Ms, "s", "d2", "expired", 1)])
        }
    }

    @Test(arguments: Backend.allCases)
    func hourRollupEqualsTheSumOfMinutes(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.claim(topic: topic, partition: 4, owner: "a")
            // 150 minutes spanning three hours, a deterministic pseudo-random pattern of cells.
            var seq = a.sequence
            var x: UInt64 = 0x9E37_79B9_7F4A_7C15
            var expectedMinutes: [StoredCount] = []
            for m in 0..<150 {
                var rows: [StoredCount] = []
                for s in 0..<3 { for d in 0..<4 {
                    x = x &* 6364136223846793005 &+ 1442695040888963407
                    let n = Int64(x >> 60)  // 0...15
                    if n > 0 { rows.append(cell(day0Ms + 30 * minute + Int64(m) * minute, "s\(s)", "d\(d)", "valid", n)) }
                } }
                // Late corrections for a window 20 minutes back.
                let late = m >= 20 ? [cell(day0Ms + 30 * minute + Int64(m - 20) * minute, "s0", "d0", "valid", 1)] : []
                let out = try await store.commit([PartitionCommit(topic: topic, partition: 4, epoch: a.epoch, expectedSequence: seq,
                                                                  nextOffset: Int64(m), openState: [], closedCounts: rows,
                                                                  lateIncrements: late)])
                #expect(out == [.committed(sequence: seq + 1)])
                seq += 1
                expectedMinutes += rows
            }
            let closed = try await store.loadClosed(topic: topic, partition: 4, minutes: everything, hours: everything)
            #expect(sorted(closed.minutes) == sorted(expectedMinutes))
            var sums: [String: Int64] = [:]
            for r in closed.minutes {
                let h = r.windowStartMs - r.windowStartMs % hour
                sums["\(h)|\(r.scenario)|\(r.district)|\(r.verdict)", default: 0] += r.count
            }
            var hourSums: [String: Int64] = [:]
            for r in closed.hours { hourSums["\(r.windowStartMs)|\(r.scenario)|\(r.district)|\(r.verdict)"] = r.count }
            #expect(hourSums == sums)
            #expect(Set(closed.hours.map(\.windowStartMs)) == [day0Ms, day0Ms + hour, day0Ms + 2 * hour])
            let late = try await store.loadLate(topic: topic, partition: 4, minutes: everything, hours: everything)
            #expect(late.minutes.reduce(0) { $0 + $1.count } == 130)
            #expect(late.hours.reduce(0) { $0 + $1.count } == 130)
            // Range bounds are half-open on window start.
            let middle = try await store.loadClosed(topic: topic, partition: 4, minutes: (day0Ms + hour)..<(day0Ms + hour + minute),
                                                    hours: (day0Ms + hour)..<(day0Ms + 2 * hour))
            #expect(Set(middle.minutes.map(\.windowStartMs)) == [day0Ms + hour])
            #expect(Set(middle.hours.map(\.windowStartMs)) == [day0Ms + hour])
        }
    }

    @Test(arguments: Backend.allCases)
    func duplicateIDsRoundTripAndPrune(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.claim(topic: topic, partition: 2, owner: "a")
            let ids = (0..<3_000).map { i in
                StoredDuplicateID(hi: UInt64(i) &* 0x9E37_79B9_7F4A_7C15, lo: ~UInt64(i), scannedAtMs: day0Ms + Int64(i) * 10)
            }
            var first = PartitionCommit(topic: topic, partition: 2, epoch: a.epoch, expectedSequence: 0, nextOffset: 1,
                                        openState: [], newDuplicateIDs: Array(ids[0..<2_000]))
            #expect(try await store.commit([first]) == [.committed(sequence: 1)])
            // Re-adding a stored id takes its new scan time (the filter re-timed it); pruning
            // drops ids scanned before 10 000 ms later.
            first.expectedSequence = 1
            let retimed = StoredDuplicateID(hi: ids[1_600].hi, lo: ids[1_600].lo, scannedAtMs: day0Ms + 50_000)
            var second = Array(ids[1_500..<3_000])
            second[1_600 - 1_500] = retimed
            first.newDuplicateIDs = second
            first.pruneDuplicatesBeforeMs = day0Ms + 10_000
            #expect(try await store.commit([first]) == [.committed(sequence: 2)])
            let stored = try await store.loadDuplicateIDs(topic: topic, partition: 2, sinceMs: 0)
            var expected = Set(ids[1_000..<3_000])
            expected.remove(ids[1_600])
            expected.insert(retimed)
            #expect(Set(stored) == expected)
            #expect(stored.count == 2_000)
            let recent = try await store.loadDuplicateIDs(topic: topic, partition: 2, sinceMs: day0Ms + 29_000)
            #expect(Set(recent) == Set(ids[2_900..<3_000]).union([retimed]))
            #expect(try await store.loadDuplicateIDs(topic: topic, partition: 3, sinceMs: 0) == [])
            // Later commits move the horizon in small steps (the in-memory store rebuilds its
            // dictionary only every minute of horizon): readers never see an id before it.
            for (sequence, horizon) in [(2, 12_000), (3, 20_001), (4, 20_001), (5, 29_500)] {
                let step = PartitionCommit(topic: topic, partition: 2, epoch: a.epoch, expectedSequence: Int64(sequence),
                                           nextOffset: 1, openState: [], pruneDuplicatesBeforeMs: day0Ms + Int64(horizon))
                #expect(try await store.commit([step]) == [.committed(sequence: Int64(sequence) + 1)])
                let kept = try await store.loadDuplicateIDs(topic: topic, partition: 2, sinceMs: 0)
                let expectedKept = expected.filter { $0.scannedAtMs >= day0Ms + Int64(horizon) }
                #expect(Set(kept) == expectedKept, "horizon \(horizon)")
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func unattributedIncrements(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.claim(topic: topic, partition: 0, owner: "a")
            let b = try await store.claim(topic: topic, partition: 1, owner: "a")
            _ = try await store.commit([
                PartitionCommit(topic: topic, partition: 0, epoch: a.epoch, expectedSequence: 0, nextOffset: 1, openState: [],
                                unattributedIncrements: ["malformed": 2, "unknown_district": 1]),
                PartitionCommit(topic: topic, partition: 1, epoch: b.epoch, expectedSequence: 0, nextOffset: 1, openState: [],
                                unattributedIncrements: ["malformed": 50]),
            ])
            _ = try await store.commit([
                PartitionCommit(topic: topic, partition: 0, epoch: a.epoch, expectedSequence: 1, nextOffset: 2, openState: [],
                                unattributedIncrements: ["malformed": 5, "bad_signature": 7]),
            ])
            #expect(try await store.loadUnattributed(topic: topic, partition: 0)
                    == ["malformed": 7, "unknown_district": 1, "bad_signature": 7])
            #expect(try await store.loadUnattributed(topic: topic, partition: 1) == ["malformed": 50])
        }
    }
}
