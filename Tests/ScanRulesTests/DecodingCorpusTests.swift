import Aggregates
import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// The decoder over the whole corpus (`shared/corpus/v1`): every line expected `malformed`
/// comes out malformed with the expected attribution, except the lines whose only fault is the
/// signature's byte form (`bad_signature_encoding`, decided by the verifier since the form
/// depends on the key's algorithm): those decode to events, and the test checks independently
/// (strict DER / 64-byte rule against `keys.json`) that exactly they have a bad signature form.
/// Every other line decodes to an event (its verdict is decided by later rules).
@Suite struct DecodingCorpusTests {
    /// The wall clock the corpus implies: its latest plausible `scanned_at` (line 3025,
    /// 2026-11-21T00:30:04.421Z). The 13 lines with `scanned_at` in the year 2100 are
    /// `clock_ahead`; any now in [this − 5 min, 4102617779890 − 5 min) gives the same result.
    static let corpusNowMs: Int64 = 1_795_221_004_421

    struct Expected: Decodable { let line: Int; let verdict: String; let attributed: Bool }

    @Test func corpusMatchesExpectedVerdicts() throws {
        let events = try SharedFixtures.lines("corpus/v1/events.jsonl")
        let expected = try SharedFixtures.lines("corpus/v1/expected-verdicts.jsonl")
            .map { try JSONDecoder().decode(Expected.self, from: $0) }
        #expect(events.count == 3027)
        #expect(expected.count == events.count)
        let decoder = EventDecoder(reference: .embedded)
        var reasons: [MalformedReason: (attributed: Int, unattributed: Int)] = [:]
        var eventCount = 0, malformed = 0, unattributed = 0, badSignatureForm = 0
        let keys = try Self.keyAlgorithms()
        for (i, line) in events.enumerated() {
            let exp = expected[i]
            #expect(exp.line == i + 1)
            let r = line.withUnsafeBytes { decoder.decode($0, nowMs: Self.corpusNowMs) }
            switch r {
            case .event(let e):
                eventCount += 1
                let formOK = try Self.signatureFormOK(e.code, keys: keys)
                if exp.verdict == "malformed" {
                    badSignatureForm += 1
                    #expect(!formOK, "line \(i + 1): expected malformed, decoded an event with a well-formed signature")
                    #expect(exp.attributed, "line \(i + 1)")
                } else {
                    #expect(formOK, "line \(i + 1): expected \(exp.verdict) but the signature form is wrong")
                }
            case .malformed(let reason, let a):
                malformed += 1
                if a == nil { unattributed += 1 }
                reasons[reason, default: (0, 0)].attributed += a == nil ? 0 : 1
                reasons[reason, default: (0, 0)].unattributed += a == nil ? 1 : 0
                #expect(exp.verdict == "malformed", "line \(i + 1): expected \(exp.verdict), got malformed \(reason.name)")
                #expect(exp.attributed == (a != nil), "line \(i + 1): \(reason.name) attributed=\(a != nil)")
            }
        }
        #expect(malformed + badSignatureForm == 190)
        #expect(badSignatureForm == 19)
        #expect(unattributed == 77)
        #expect(eventCount == 3027 - 190 + 19)
        // 13 lines carry a scanned_at in the year 2100 (found by an independent scan of the file).
        #expect(reasons[.clockAhead].map { $0.attributed + $0.unattributed } == 13)
        let summary = MalformedReason.allCases.compactMap { r in
            reasons[r].map { "\(r.name)=\($0.attributed)+\($0.unattributed)u" }
        }.joined(separator: " ")
        print("corpus: events=\(eventCount) (bad signature form: \(badSignatureForm)) malformed=\(malformed) unattributed=\(unattributed) [\(summary)]")
    }

    /// `alg` of each (iss, kid) of `corpus/v1/keys.json`, e.g. `["CQ-YKM/ykm-2026a": "SM2"]`.
    static func keyAlgorithms() throws -> [String: String] {
        let obj = try JSONSerialization.jsonObject(with: SharedFixtures.data("corpus/v1/keys.json")) as? [String: Any]
        let keys = try #require(obj?["keys"] as? [[String: Any]])
        var out: [String: String] = [:]
        for k in keys {
            if let iss = k["iss"] as? String, let kid = k["kid"] as? String, let alg = k["alg"] as? String {
                out[iss + "/" + kid] = alg
            }
        }
        return out
    }

    /// Whether the signature has the byte form of its key's algorithm (spec v1 §3): strict DER
    /// `SEQUENCE { INTEGER r, INTEGER s }` for SM2/ES256, 64 bytes for Ed25519. Unknown keys: true.
    static func signatureFormOK(_ code: SignedCode, keys: [String: String]) throws -> Bool {
        guard let alg = keys[code.claims.issuer + "/" + code.claims.keyID] else { return true }
        let b = code.signature
        if alg == "Ed25519" { return b.count == 64 }
        // Short-form lengths suffice for P-256/SM2 signatures (< 128 bytes).
        guard b.count >= 2, b[0] == 0x30, b[1] < 0x80, Int(b[1]) == b.count - 2 else { return false }
        var i = 2
        for _ in 0..<2 {
            guard i + 2 <= b.count, b[i] == 0x02, b[i + 1] < 0x80 else { return false }
            let n = Int(b[i + 1])
            i += 2
            guard n >= 1, i + n <= b.count, b[i] < 0x80 else { return false }      // non-empty, non-negative
            if n > 1 && b[i] == 0 && b[i + 1] < 0x80 { return false }                  // minimal
            i += n
        }
        return i == b.count
    }
}

/// Damaged corpus lines: never a crash, always the expected reason.
@Suite struct DecodingDamageTests {
    static func sample() throws -> [[UInt8]] {
        try SharedFixtures.lines("corpus/v1/events.jsonl").enumerated()
            .filter { $0.offset % 11 == 0 }.map { Array($0.element) }
            .filter { $0.first == UInt8(ascii: "{") && $0.last == UInt8(ascii: "}") }
    }

    /// A proper prefix of a JSON object text is never a JSON text.
    @Test func truncatedLinesAreBadJSON() throws {
        let decoder = EventDecoder(reference: .embedded)
        var checked = 0
        for line in try Self.sample() {
            for cut in stride(from: 0, to: line.count, by: 13) {
                let r = decoder.decode(Array(line[0..<cut]), nowMs: DecodingFixture.nowMs)
                guard case .malformed(.badJSON, nil) = r else {
                    Issue.record("prefix \(cut) of \(String(decoding: line.prefix(60), as: UTF8.self)): \(r)")
                    return
                }
                checked += 1
            }
        }
        #expect(checked > 1000)
    }

    /// 0xFF is never valid UTF-8 nor JSON syntax, wherever it lands.
    @Test func byteFFAnywhereIsBadJSON() throws {
        let decoder = EventDecoder(reference: .embedded)
        for line in try Self.sample().prefix(60) {
            for at in stride(from: 0, to: line.count, by: 7) {
                var damaged = line
                damaged[at] = 0xFF
                let r = decoder.decode(damaged, nowMs: DecodingFixture.nowMs)
                guard case .malformed(.badJSON, nil) = r else {
                    Issue.record("0xFF at \(at) of \(String(decoding: line.prefix(60), as: UTF8.self)): \(r)")
                    return
                }
            }
        }
    }
}
