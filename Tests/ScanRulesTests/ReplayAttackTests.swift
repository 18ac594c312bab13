import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// Revised spec §7 through the real path (signed codes → ``VerdictEngine`` →
/// ``PartitionState``): a genuine code re-sent with a future `scanned_at` cannot move
/// event time, so the genuine events after it stay on time (issue 12, "time pushed by
/// replayed codes").
@Suite struct ReplayAttackTests {
    /// The processor's wall clock during the test, ms (a whole minute + 30 s).
    static let wall: Int64 = 1_795_221_030_000
    static let windows = WindowConfiguration(scenarioCount: ReferenceData.embedded.scenarios.count,
                                             districtCount: ReferenceData.embedded.districts.count)

    struct Fixture {
        let key: TestSigningKey
        let engine: VerdictEngine
        init() throws {
            key = try TestSigningKey.generate(.ed25519)
            let entry = key.registryEntryJSON(issuer: "CQ-YKM", keyID: "k-ed")
            let registry = try KeyRegistry(json: Array("{\"keys\":[\(entry)]}".utf8))
            engine = VerdictEngine(registry: registry, reference: .embedded)
        }

        /// A code issued at `iatS` (s) valid for 60 s, scanned at `scannedAtMs`, with its own id.
        func event(id: String, iatS: Int64, scannedAtMs: Int64, kid: String = "k-ed") throws -> [UInt8] {
            let payload = Array(#"{"iss":"CQ-YKM","kid":"\#(kid)","typ":"P","sub":"u0123456789ab","iat":\#(iatS),"exp":\#(iatS + 60)}"#.utf8)
            let code = "YKM1." + DecodingFixture.b64url(payload) + "." + DecodingFixture.b64url(try key.sign(payload))
            return Array(DecodingFixture.event(["code": "\"\(code)\"", "event_id": "\"\(id)\"",
                                                "scanned_at": String(scannedAtMs)]).utf8)
        }

        /// A genuine scan: issued 10 s before it was scanned.
        func genuine(_ id: String, at ms: Int64) throws -> [UInt8] {
            try event(id: id, iatS: ms / 1000 - 10, scannedAtMs: ms)
        }
    }

    /// Judges and counts `value` at offset `offset` of `state` with the wall clock `now`.
    static func apply(_ value: [UInt8], _ f: Fixture, _ state: PartitionState, offset: Int64,
                      now: Int64 = wall) -> (Judgement, PartitionState.Placement) {
        var j = f.engine.judge(value, nowMs: now)
        let placement = state.apply(&j, offset: offset, wallClockMs: now)
        return (j, placement)
    }

    /// The issue's sequence: 100 genuine events of the last minute, then two replayed codes
    /// with scanned_at = now + 4 min — one issued 10 min ago (its signed expiry bounds it),
    /// one issued just now (the processor's clock + skew bounds it) — then 50 genuine events
    /// of the last 90 s: none of them late.
    @Test func replayedCodesWithAFutureScanTimeLeaveGenuineEventsOnTime() throws {
        let f = try Fixture()
        let state = PartitionState(windows: Self.windows, policy: VerificationPolicy())
        var offset: Int64 = 0
        for i in 0..<100 {
            let (j, p) = Self.apply(try f.genuine("g\(i)", at: Self.wall - 60_000 + Int64(i) * 600), f, state, offset: offset)
            offset += 1
            #expect(j.verdict == .valid)
            #expect(p == .counted)
        }
        // Max bounded time = the last genuine scan (wall − 600 ms); lateness 120 s.
        #expect(state.windows.watermarkMs == Self.wall - 600 - 120_000)
        _ = state.windows.advance(wallClockMs: Self.wall, caughtUp: true)
        let before = state.windows.watermarkMs

        // Replay 1: a genuine code issued 10 min ago, re-sent with scanned_at = now + 4 min.
        let oldIat = Self.wall / 1000 - 600
        let (r1, p1) = Self.apply(try f.event(id: "r1", iatS: oldIat, scannedAtMs: Self.wall + 240_000), f, state, offset: offset)
        offset += 1
        #expect(r1.verdict == .expired)
        #expect(r1.boundedTimeMs == (oldIat + 60) * 1000 + 30_000)   // exp × 1000 + skew
        #expect(p1 == .counted)
        #expect(state.windows.watermarkMs == before)

        // Replay 2: a code issued 5 s ago (a fresh one copied off a screen), re-sent with
        // scanned_at = now + 4 min: expired too, bounded by the processor's clock + skew.
        let (r2, p2) = Self.apply(try f.event(id: "r2", iatS: Self.wall / 1000 - 5, scannedAtMs: Self.wall + 240_000),
                                  f, state, offset: offset)
        offset += 1
        #expect(r2.verdict == .expired)
        #expect(r2.boundedTimeMs == Self.wall + 30_000)
        #expect(p2 == .counted)
        // Moves time at most to now + skew − lateness: now − 90 s.
        #expect(state.windows.watermarkMs == Self.wall + 30_000 - 120_000)
        _ = state.windows.advance(wallClockMs: Self.wall + 1_000, caughtUp: true)

        // The next 50 genuine events (scanned in the last 90 s, read 1 s later): all on time.
        var late = 0
        for i in 0..<50 {
            let (j, p) = Self.apply(try f.genuine("h\(i)", at: Self.wall - 89_000 + Int64(i) * 1_800), f, state,
                                    offset: offset, now: Self.wall + 1_000)
            offset += 1
            #expect(j.verdict == .valid)
            if p == .late { late += 1 }
        }
        #expect(late == 0)
        let closed = state.windows.advance(wallClockMs: Self.wall + 1_000, caughtUp: true)
        #expect(closed.allSatisfy { $0.kind == .onTime })
        for d in 0..<Self.windows.districtCount {
            for sc in 0..<Self.windows.scenarioCount {
                #expect(state.windows.lateCount(scenario: sc, district: d, verdict: .valid) == 0)
            }
        }
    }

    /// Unverifiable records never move time, whatever their scanned_at (revised §7: only a
    /// verified signature does): an unknown key and a tampered payload at now + 4 min.
    @Test func unverifiedRecordsWithAFutureScanTimeDoNotMoveTime() throws {
        let f = try Fixture()
        let state = PartitionState(windows: Self.windows, policy: VerificationPolicy())
        _ = Self.apply(try f.genuine("g0", at: Self.wall - 1_000), f, state, offset: 0)
        let watermark = state.windows.watermarkMs
        #expect(watermark == Self.wall - 1_000 - 120_000)
        // Unknown key: a kid the registry does not have.
        let other = try Fixture()
        let (u, _) = Self.apply(try other.event(id: "u1", iatS: Self.wall / 1000 - 10, scannedAtMs: Self.wall + 240_000,
                                                kid: "k-xx"), f, state, offset: 1)
        #expect(u.verdict == .unknownKey)
        // A signature by another key under our kid: invalid_signature.
        let (s, _) = Self.apply(try other.event(id: "s1", iatS: Self.wall / 1000 - 10, scannedAtMs: Self.wall + 240_000),
                                f, state, offset: 2)
        #expect(s.verdict == .invalidSignature)
        #expect(state.windows.watermarkMs == watermark)
    }
}
