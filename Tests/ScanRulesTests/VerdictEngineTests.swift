import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// Spec v1 §5 rules 1–6 through the engine, one rule at a time, with keys
/// generated here (each algorithm) and events signed here.
@Suite struct VerdictEngineTests {
    struct Keys {
        let sm2: TestSigningKey, es256: TestSigningKey, ed25519: TestSigningKey, revoked: TestSigningKey
        let registry: KeyRegistry
        init() throws {
            sm2 = try TestSigningKey.generate(.sm2, distid: "CQ-TEST@cq.gov.cn")
            es256 = try TestSigningKey.generate(.es256)
            ed25519 = try TestSigningKey.generate(.ed25519)
            revoked = try TestSigningKey.generate(.sm2)
            let entries = [
                sm2.registryEntryJSON(issuer: "CQ-YKM", keyID: "k-sm2"),
                es256.registryEntryJSON(issuer: "SC-GOV", keyID: "k-es"),
                ed25519.registryEntryJSON(issuer: "GZ-GOV", keyID: "k-ed"),
                revoked.registryEntryJSON(issuer: "CQ-YKM", keyID: "k-old", status: .revoked),
            ]
            registry = try KeyRegistry(json: Array("{\"keys\":[\(entries.joined(separator: ","))]}".utf8))
        }
    }

    static let scannedAt = DecodingFixture.scannedAt
    static let iat = scannedAt / 1000 - 10

    static func payload(iss: String, kid: String, iat: Int64 = iat, exp: Int64? = nil) -> [UInt8] {
        Array(#"{"iss":"\#(iss)","kid":"\#(kid)","typ":"P","sub":"u42","iat":\#(iat),"exp":\#(exp ?? iat + 60)}"#.utf8)
    }

    static func event(payload: [UInt8], signature: [UInt8], id: String = "ev1") -> [UInt8] {
        let code = "YKM1." + DecodingFixture.b64url(payload) + "." + DecodingFixture.b64url(signature)
        return Array(DecodingFixture.event(["code": "\"\(code)\"", "event_id": "\"\(id)\""]).utf8)
    }

    func judge(_ value: [UInt8], _ keys: Keys) -> Judgement {
        VerdictEngine(registry: keys.registry, reference: .embedded).judge(value, nowMs: DecodingFixture.nowMs)
    }

    @Test func validForEveryAlgorithm() throws {
        let k = try Keys()
        for (signer, iss, kid) in [(k.sm2, "CQ-YKM", "k-sm2"), (k.es256, "SC-GOV", "k-es"), (k.ed25519, "GZ-GOV", "k-ed")] {
            let p = Self.payload(iss: iss, kid: kid)
            let j = judge(Self.event(payload: p, signature: try signer.sign(p)), k)
            #expect(j.verdict == .valid, "\(kid)")
            #expect(j.eventID == "ev1")
            #expect(j.attribution == Attribution(scenario: 0, district: 0, scannedAtMs: Self.scannedAt))
        }
    }

    @Test func unknownKeyBeatsABadSignatureForm() throws {
        let k = try Keys()
        let p = Self.payload(iss: "CQ-YKM", kid: "nope")
        let j = judge(Self.event(payload: p, signature: [1, 2, 3]), k)
        #expect(j.verdict == .unknownKey)
        #expect(j.attribution != nil)
    }

    @Test func badSignatureEncodingIsMalformedAndAttributed() throws {
        let k = try Keys()
        let p = Self.payload(iss: "CQ-YKM", kid: "k-sm2")
        let j = judge(Self.event(payload: p, signature: try k.sm2.sign(p) + [0]), k)  // a byte after the SEQUENCE
        #expect(j.verdict == .malformed)
        #expect(j.reason == .badSignatureEncoding)
        #expect(j.attribution?.scannedAtMs == Self.scannedAt)
        // Ed25519 wants exactly 64 bytes, even under a revoked key rule 1 comes first.
        let pe = Self.payload(iss: "GZ-GOV", kid: "k-ed")
        #expect(judge(Self.event(payload: pe, signature: Array(try k.ed25519.sign(pe).dropLast())), k).reason == .badSignatureEncoding)
        let pr = Self.payload(iss: "CQ-YKM", kid: "k-old")
        #expect(judge(Self.event(payload: pr, signature: [0x30, 0x00, 0x00]), k).reason == .badSignatureEncoding)
    }

    @Test func revokedKeyIsNotVerified() throws {
        let k = try Keys()
        let p = Self.payload(iss: "CQ-YKM", kid: "k-old")
        // A well-formed signature that would not verify: rule 3 wins, nothing is verified.
        let j = judge(Self.event(payload: p, signature: try k.sm2.sign(p)), k)
        #expect(j.verdict == .revokedKey)
    }

    @Test func invalidSignatureOnAChangedPayload() throws {
        let k = try Keys()
        let p = Self.payload(iss: "SC-GOV", kid: "k-es")
        let other = Self.payload(iss: "SC-GOV", kid: "k-es", iat: Self.iat + 1)
        #expect(judge(Self.event(payload: other, signature: try k.es256.sign(p)), k).verdict == .invalidSignature)
        // Signed under another SM2 key's distid: invalid too.
        let ps = Self.payload(iss: "CQ-YKM", kid: "k-sm2")
        #expect(judge(Self.event(payload: ps, signature: try k.revoked.sign(ps)), k).verdict == .invalidSignature)
    }

    @Test func lifetimeRulesWithThirtySecondsOfSkew() throws {
        let k = try Keys()
        func verdict(iat: Int64, exp: Int64) throws -> Verdict {
            let p = Self.payload(iss: "GZ-GOV", kid: "k-ed", iat: iat, exp: exp)
            return judge(Self.event(payload: p, signature: try k.ed25519.sign(p)), k).verdict
        }
        let s = Self.scannedAt / 1000  // scanned_at is a whole second here
        #expect(try verdict(iat: s + 30, exp: s + 90) == .valid)         // scanned_at == iat − 30 s
        #expect(try verdict(iat: s + 31, exp: s + 91) == .notYetValid)   // 1 s earlier than allowed
        #expect(try verdict(iat: s - 90, exp: s - 30) == .valid)         // scanned_at == exp + 30 s
        #expect(try verdict(iat: s - 91, exp: s - 31) == .expired)
    }
}
