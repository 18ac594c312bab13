import Aggregates
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// The compact, persistable ``DuplicateFilter`` (spec v1 §5 rule 7) against a
/// reference model of the original Dictionary-based algorithm.
@Suite struct DuplicateFilterCompactTests {
    /// The original algorithm (String ids, one-minute buckets), kept as the oracle.
    struct ReferenceFilter {
        let horizonMs: Int64
        let slackMs: Int64
        var lastSeen: [String: Int64] = [:]
        var buckets: [Int64: [String]] = [:]
        var oldestBucket: Int64 = .max
        var highestMs: Int64 = .min

        mutating func apply(_ j: inout Judgement) {
            guard j.verdict == .valid, let id = j.eventID, let at = j.attribution?.scannedAtMs else { return }
            if let previous = lastSeen[id], abs(previous &- at) <= horizonMs {
                j.verdict = .duplicate
                return
            }
            lastSeen[id] = at
            let bucket = at / 60_000
            buckets[bucket, default: []].append(id)
            oldestBucket = min(oldestBucket, bucket)
            if at > highestMs {
                highestMs = at
                let cutoffBucket = (highestMs &- horizonMs &- slackMs) / 60_000
                guard oldestBucket < cutoffBucket else { return }
                for b in buckets.keys where b < cutoffBucket {
                    for id in buckets.removeValue(forKey: b) ?? [] {
                        if let t = lastSeen[id], t / 60_000 == b { lastSeen.removeValue(forKey: id) }
                    }
                }
                oldestBucket = buckets.keys.min() ?? .max
            }
        }
    }

    /// SplitMix64: a seeded generator, so every run sees the same stream.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A random stream: ids drawn from a pool (repeats far apart, across the
    /// horizon) and 20 % retries of one of the last 2 000 events (half with the
    /// same `scanned_at`, half up to 5 s later); event time advancing ~`stepMs`
    /// per event with jitter of a few minutes, 2 % of events 20–60 min late,
    /// 1 % jumps ahead, 10 % non-valid verdicts, 1 % without attribution.
    static func stream(count: Int, seed: UInt64, idPool: Int = 20_000, stepMs: Int64 = 60,
                       startMs: Int64 = 1_764_547_200_000 /* 2025-12-01 00:00 UTC */) -> [Judgement] {
        var rng = SplitMix(state: seed)
        var clock = startMs
        var out: [Judgement] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            clock += Int64.random(in: 0...(2 * stepMs), using: &rng)
            var at = clock + Int64.random(in: -180_000...30_000, using: &rng)
            var id = "ev-\(Int.random(in: 0..<idPool, using: &rng))"
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 2 { at = clock - Int64.random(in: 1_200_000...3_600_000, using: &rng) }
            if roll == 2 { clock += Int64.random(in: 60_000...900_000, using: &rng) }
            if roll >= 80, !out.isEmpty {
                let earlier = out[out.count - 1 - Int.random(in: 0..<min(2_000, out.count), using: &rng)]
                if let t = earlier.attribution?.scannedAtMs, let e = earlier.eventID {
                    id = e
                    at = roll < 90 ? t : t + Int64.random(in: 0...5_000, using: &rng)
                }
            }
            let verdict: Verdict = Int.random(in: 0..<10, using: &rng) == 0 ? .expired : .valid
            let attribution = Int.random(in: 0..<100, using: &rng) == 0
                ? nil : Attribution(scenario: 0, district: 0, scannedAtMs: at)
            out.append(Judgement(verdict: verdict, reason: nil, attribution: attribution, eventID: id))
        }
        return out
    }

    @Test(arguments: [(Int64(600_000), Int64(120_000)), (60_000, 0), (0, 0), (300_000, 45_000)])
    func matchesTheReferenceModel(horizon: (Int64, Int64)) {
        let (h, s) = horizon
        let events = Self.stream(count: 120_000, seed: UInt64(h + s) ^ 0x5EED)
        var compact = DuplicateFilter(horizonMs: h, slackMs: s)
        var reference = ReferenceFilter(horizonMs: h, slackMs: s)
        var mismatches = 0, countMismatches = 0, duplicates = 0
        for event in events {
            var a = event, b = event
            compact.apply(&a)
            reference.apply(&b)
            if a.verdict != b.verdict { mismatches += 1 }
            if compact.count != reference.lastSeen.count { countMismatches += 1 }
            if b.verdict == .duplicate { duplicates += 1 }
        }
        #expect(mismatches == 0)
        #expect(countMismatches == 0)
        // The stream exercises both outcomes and eviction.
        #expect(duplicates > 100)
        #expect(compact.count < 20_000)
    }

    /// Odd scales: a 60-day horizon with hour steps (times beyond the 32-bit
    /// offset window take the overflow path), and event times crossing the epoch
    /// (buckets truncate toward zero, so bucket 0 is two minutes wide).
    @Test(arguments: [(Int64(5_184_000_000), Int64(86_400_000), Int64(3_600_000), Int64(1_764_547_200_000)),
                      (600_000, 120_000, 60, -3_600_000),
                      (60_000, 0, 60, -3_600_000)])
    func matchesTheReferenceModelAtOddScales(c: (Int64, Int64, Int64, Int64)) {
        let (h, s, step, start) = c
        let events = Self.stream(count: 60_000, seed: UInt64(bitPattern: step &+ start), stepMs: step, startMs: start)
        var compact = DuplicateFilter(horizonMs: h, slackMs: s)
        var reference = ReferenceFilter(horizonMs: h, slackMs: s)
        var mismatches = 0, countMismatches = 0, duplicates = 0
        for event in events {
            var a = event, b = event
            compact.apply(&a)
            reference.apply(&b)
            if a.verdict != b.verdict { mismatches += 1 }
            if compact.count != reference.lastSeen.count { countMismatches += 1 }
            if b.verdict == .duplicate { duplicates += 1 }
        }
        #expect(mismatches == 0)
        #expect(countMismatches == 0)
        #expect(duplicates > 100)
    }

    @Test func journalingDoesNotChangeAnswersAndDrainsInOrder() {
        let events = Self.stream(count: 20_000, seed: 7)
        var plain = DuplicateFilter()
        var journaled = DuplicateFilter(journaling: true)
        var expected: [DuplicateEntry] = []
        for event in events {
            var a = event, b = event
            plain.apply(&a)
            journaled.apply(&b)
            #expect(a.verdict == b.verdict)
            if b.verdict == .valid, let id = b.eventID, let at = b.attribution?.scannedAtMs {
                let (hi, lo) = DuplicateFilter.hash(eventID: id)
                expected.append(DuplicateEntry(hi: hi, lo: lo, scannedAtMs: at))
            }
        }
        #expect(plain.drainNewEntries().isEmpty)
        let drained = journaled.drainNewEntries()
        #expect(drained.count == expected.count)
        #expect(drained == expected)
        #expect(journaled.drainNewEntries().isEmpty)
    }

    /// The store of the exactly-once pipeline: latest entry per id, pruned below the cutoff.
    struct Store {
        var rows: [DuplicateIDTable.Key: Int64] = [:]
        var highest: Int64?
        mutating func commit(_ filter: inout DuplicateFilter) {
            for e in filter.drainNewEntries() { rows[DuplicateIDTable.Key(hi: e.hi, lo: e.lo)] = e.scannedAtMs }
            if let cutoff = filter.evictionCutoffMs { rows = rows.filter { $0.value >= cutoff } }
            highest = filter.highestScannedAtMs
        }
        var entries: [DuplicateEntry] {
            rows.map { DuplicateEntry(hi: $0.key.hi, lo: $0.key.lo, scannedAtMs: $0.value) }
        }
    }

    @Test func restoreMidStreamGivesIdenticalAnswers() {
        let events = Self.stream(count: 100_000, seed: 42)
        var original = DuplicateFilter(journaling: true)
        var store = Store()
        var restores = 0
        var i = 0
        while i < events.count {
            var e = events[i]
            original.apply(&e)
            i += 1
            // Commit every 1 000 events; restore at up to 20 commits with no late id pending
            // (a pending late id is not restored, see the type's documentation).
            guard i % 1_000 == 0 else { continue }
            store.commit(&original)
            guard i < events.count, original.pendingLateCount == 0, restores < 20 else { continue }
            var restored = DuplicateFilter(horizonMs: original.horizonMs, slackMs: original.slackMs,
                                           restoring: store.entries, highestScannedAtMs: store.highest)
            #expect(restored.count == original.count)
            #expect(restored.evictionCutoffMs == original.evictionCutoffMs)
            #expect(restored.drainNewEntries().isEmpty)
            var twin = original
            var mismatches = 0
            for event in events[i..<min(events.count, i + 20_000)] {
                var a = event, b = event
                twin.apply(&a)
                restored.apply(&b)
                if a.verdict != b.verdict || twin.count != restored.count { mismatches += 1 }
            }
            #expect(mismatches == 0)
            #expect(twin.drainNewEntries() == restored.drainNewEntries())
            restores += 1
        }
        #expect(restores >= 10)
    }

    @Test func restoreWithoutStoredHighestUsesTheHighestEntry() {
        var f = DuplicateFilter(horizonMs: 600_000, slackMs: 120_000,
                                restoring: [DuplicateEntry(hi: 5, lo: 6, scannedAtMs: 10_000_000),
                                            DuplicateEntry(hi: 7, lo: 8, scannedAtMs: 10_800_000),
                                            DuplicateEntry(hi: 5, lo: 6, scannedAtMs: 10_700_000)])
        #expect(f.count == 2)
        #expect(f.highestScannedAtMs == 10_800_000)
        // (10 800 000 − 720 000) / 60 000 = 168 → 10 080 000.
        #expect(f.evictionCutoffMs == 10_080_000)
        // Entry below the cutoff is dropped on restore.
        let g = DuplicateFilter(restoring: [DuplicateEntry(hi: 1, lo: 1, scannedAtMs: 1_000),
                                            DuplicateEntry(hi: 2, lo: 2, scannedAtMs: 10_800_000)])
        #expect(g.count == 1)
        #expect(f.drainNewEntries().isEmpty)
    }

    @Test func evictionCutoffFollowsTheHighestValidTime() {
        var f = DuplicateFilter(horizonMs: 600_000, slackMs: 120_000)
        #expect(f.evictionCutoffMs == nil)
        #expect(f.highestScannedAtMs == nil)
        var j = Judgement(verdict: .valid, reason: nil,
                          attribution: Attribution(scenario: 0, district: 0, scannedAtMs: 1_000_000_000), eventID: "a")
        f.apply(&j)
        // (1 000 000 000 − 720 000) / 60 000 = 16 654 → 999 240 000.
        #expect(f.evictionCutoffMs == 999_240_000)
        #expect(f.highestScannedAtMs == 1_000_000_000)
        #expect(DuplicateFilter.bucketStart(0) == -59_999)
        #expect(DuplicateFilter.bucketStart(-1) == -119_999)
    }

    @Test func lateIdIsKeptUntilTheHighestRises() {
        var f = DuplicateFilter(horizonMs: 600_000, slackMs: 0)
        func valid(_ id: String, _ ms: Int64) -> Judgement {
            Judgement(verdict: .valid, reason: nil, attribution: Attribution(scenario: 0, district: 0, scannedAtMs: ms), eventID: id)
        }
        var a = valid("now", 100_000_000), late = valid("old", 1_000_000), again = valid("old", 1_000_001)
        f.apply(&a); f.apply(&late)
        #expect(f.count == 2)
        #expect(f.pendingLateCount == 1)
        f.apply(&again)
        #expect(again.verdict == .duplicate)
        var rise = valid("next", 100_000_001), third = valid("old", 1_000_002)
        f.apply(&rise)
        #expect(f.count == 2)
        f.apply(&third)
        #expect(third.verdict == .valid)
    }

    /// The documented exception: an id remembered with a time before the cutoff
    /// (kept by the live filter until the highest rises again) is not restored.
    @Test func aPendingLateIdIsNotRestored() {
        func valid(_ id: String, _ ms: Int64) -> Judgement {
            Judgement(verdict: .valid, reason: nil, attribution: Attribution(scenario: 0, district: 0, scannedAtMs: ms), eventID: id)
        }
        var f = DuplicateFilter(horizonMs: 600_000, slackMs: 0, journaling: true)
        var now = valid("now", 100_000_000), late = valid("old", 1_000_000)
        f.apply(&now); f.apply(&late)
        var store = Store()
        store.commit(&f)
        #expect(store.rows.count == 1)  // pruned: 1 000 000 < cutoff 99 360 000
        var restored = DuplicateFilter(horizonMs: 600_000, slackMs: 0, restoring: store.entries,
                                       highestScannedAtMs: store.highest)
        var a = valid("old", 1_000_001), b = a
        f.apply(&a); restored.apply(&b)
        #expect(a.verdict == .duplicate)
        #expect(b.verdict == .valid)
    }

    @Test func bytesPerIdWithOneMillionIds() {
        var f = DuplicateFilter(horizonMs: 600_000, slackMs: 120_000)
        for i in 0..<1_000_000 {
            var j = Judgement(verdict: .valid, reason: nil,
                              attribution: Attribution(scenario: 0, district: 0, scannedAtMs: 1_000_000_000 + Int64(i % 600_000)),
                              eventID: "event-\(i)")
            f.apply(&j)
        }
        #expect(f.count == 1_000_000)
        let perID = Double(f.allocatedBytes) / Double(f.count)
        print("DuplicateFilter: \(f.allocatedBytes) bytes for \(f.count) ids = \(perID) B/id")
        #expect(perID <= 32)
        #expect(perID >= 20)  // 20-byte slots at a load factor ≤ 1
    }

    @Test func bytesPerIdInSteadyStateWithEviction() {
        // 1 000 ids per second of event time for 40 min: 13 min are held.
        var f = DuplicateFilter(horizonMs: 600_000, slackMs: 120_000)
        var maxPerID = 0.0
        for i in 0..<2_400_000 {
            var j = Judgement(verdict: .valid, reason: nil,
                              attribution: Attribution(scenario: 0, district: 0, scannedAtMs: 1_000_000_000 + Int64(i)),
                              eventID: "s-\(i)")
            f.apply(&j)
            if i >= 780_000 && i % 10_000 == 0 { maxPerID = max(maxPerID, Double(f.allocatedBytes) / Double(f.count)) }
        }
        print("DuplicateFilter steady state: \(f.count) ids, max \(maxPerID) B/id")
        #expect(f.count >= 720_000 && f.count <= 780_000)
        #expect(maxPerID <= 32)
    }

    @Test func hashIsStable() {
        // printf '%s' 'evt-2026-12-01-000001' | sha256sum → 10f414c3bf5c3636 9495ba6ba8480254 …
        let a = DuplicateFilter.hash(eventID: "evt-2026-12-01-000001")
        #expect(a.hi == 0x10f4_14c3_bf5c_3636)
        #expect(a.lo == 0x9495_ba6b_a848_0254)
        // printf '%s' '' | sha256sum → e3b0c44298fc1c14 9afbf4c8996fb924 …
        let e = DuplicateFilter.hash(eventID: "")
        #expect(e.hi == 0xe3b0_c442_98fc_1c14)
        #expect(e.lo == 0x9afb_f4c8_996f_b924)
        // printf '%s' '事件-1' | sha256sum (UTF-8) → 4b3a16e6629b1548 f05f58eb0362679c …
        let u = DuplicateFilter.hash(eventID: "事件-1")
        #expect(u.hi == 0x4b3a_16e6_629b_1548)
        #expect(u.lo == 0xf05f_58eb_0362_679c)
    }
}
