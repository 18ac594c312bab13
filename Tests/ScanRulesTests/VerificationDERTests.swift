import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// Strict DER of `SEQUENCE { INTEGER r, INTEGER s }` (spec §3) and the r, s range rule.
@Suite struct VerificationDERTests {
    static let n = DERSignature.sm2Order

    static func int(_ magnitude: [UInt8]) -> [UInt8] {
        let body = magnitude.first.map { $0 & 0x80 != 0 } == true ? [0] + magnitude : magnitude
        return [0x02, UInt8(body.count)] + body
    }

    static func seq(_ body: [UInt8]) -> [UInt8] { [0x30, UInt8(body.count)] + body }

    static func parse(_ der: [UInt8]) -> DERSignature.Parsed { DERSignature.parse(der, order: n) }

    @Test func acceptsMinimalForms() {
        let high = [UInt8](repeating: 0x11, count: 32)
        let sig = Self.seq(Self.int([0x80] + high.dropFirst()) + Self.int([0x01]))
        guard case .scalars(let r, let s) = Self.parse(sig) else { Issue.record("not parsed"); return }
        #expect(r.count == 32 && s.count == 1)
        #expect(DERSignature.raw32(sig, r: r, s: s)[0] == 0x80)
        #expect(DERSignature.raw32(sig, r: r, s: s)[63] == 0x01)
        #expect(DERSignature.isStrictDER(sig))
    }

    @Test func nonMinimalLengthIsBadEncoding() {
        let body = Self.int([0x05]) + Self.int([0x07])
        #expect(Self.parse([0x30, 0x81, UInt8(body.count)] + body) == .badEncoding)  // long form for < 128
        #expect(Self.parse([0x30, 0x06, 0x02, 0x81, 0x01, 0x05] + Self.int([0x07])) == .badEncoding)
        #expect(Self.parse([0x30, 0x80] + body + [0, 0]) == .badEncoding)  // indefinite
        #expect(Self.parse(Self.seq(body)) != .badEncoding)
    }

    @Test func unnecessaryLeadingZeroIsBadEncoding() {
        #expect(Self.parse(Self.seq([0x02, 0x02, 0x00, 0x05] + Self.int([0x07]))) == .badEncoding)
        #expect(Self.parse(Self.seq(Self.int([0x05]) + [0x02, 0x02, 0x00, 0x7F])) == .badEncoding)
    }

    @Test func negativeIsBadEncoding() {
        #expect(Self.parse(Self.seq([0x02, 0x01, 0x85] + Self.int([0x07]))) == .badEncoding)
        #expect(Self.parse(Self.seq(Self.int([0x07]) + [0x02, 0x01, 0xFF])) == .badEncoding)
    }

    @Test func trailingAndTruncatedAreBadEncoding() {
        let good = Self.seq(Self.int([0x05]) + Self.int([0x07]))
        #expect(Self.parse(good + [0x00]) == .badEncoding)
        #expect(Self.parse(Array(good.dropLast())) == .badEncoding)
        #expect(Self.parse(Self.seq(Self.int([0x05]) + Self.int([0x07]) + [0x00])) == .badEncoding)  // inside SEQUENCE
        #expect(Self.parse(Self.seq(Self.int([0x05]))) == .badEncoding)  // s missing
        #expect(Self.parse([0x31] + good.dropFirst()) == .badEncoding)   // SET tag
        #expect(Self.parse(Self.seq([0x03, 0x01, 0x05] + Self.int([0x07]))) == .badEncoding)  // not INTEGER
        #expect(Self.parse(Self.seq([0x02, 0x00] + Self.int([0x07]))) == .badEncoding)  // empty INTEGER
        #expect(Self.parse([]) == .badEncoding)
    }

    @Test func rangeIsInvalidNotBadEncoding() {
        let one = Self.int([0x01])
        #expect(Self.parse(Self.seq(Self.int([0x00]) + one)) == .outOfRange)          // r = 0
        #expect(Self.parse(Self.seq(one + Self.int([0x00]))) == .outOfRange)          // s = 0
        #expect(Self.parse(Self.seq(Self.int(Self.n) + one)) == .outOfRange)          // r = n
        var nPlus = Self.n; nPlus[31] += 1
        #expect(Self.parse(Self.seq(one + Self.int(nPlus))) == .outOfRange)           // s = n + 1
        var nMinus = Self.n; nMinus[31] -= 1
        #expect(Self.parse(Self.seq(Self.int(nMinus) + Self.int(nMinus))) != .outOfRange)  // n − 1 is fine
        #expect(Self.parse(Self.seq(Self.int([0x01] + Self.n) + one)) == .outOfRange)  // 33-byte r
        // The order is the curve's: SM2 n < P-256 n, so P-256's n is out of range for SM2
        // and SM2's n is an ordinary scalar for P-256.
        let p256n = DERSignature.p256Order
        #expect(Self.parse(Self.seq(Self.int(p256n) + one)) == .outOfRange)
        #expect(DERSignature.parse(Self.seq(Self.int(p256n) + one), order: p256n) == .outOfRange)
        #expect(DERSignature.parse(Self.seq(Self.int(Self.n) + one), order: p256n) != .outOfRange)
    }

    @Test func registeredKeysMapRangeToInvalid() throws {
        let reg = try KeyRegistry(contentsOfFile: SharedFixtures.root + "/corpus/v1/keys.json")
        let one = Self.int([0x01])
        for key in reg.keys where key.algorithm != .ed25519 {
            #expect(key.verify(message: [1, 2, 3], signature: Self.seq(Self.int([0x00]) + one)) == .invalid)
            #expect(key.verify(message: [1, 2, 3], signature: Self.seq(one + [0x02, 0x01, 0x81])) == .badEncoding)
            #expect(!key.checkEncoding(Self.seq(one + [0x02, 0x01, 0x81])))
            #expect(key.checkEncoding(Self.seq(Self.int([0x00]) + one)))
        }
        let ed = try #require(reg.key(issuer: "GZ-GOV", keyID: "gz-1"))
        #expect(ed.verify(message: [], signature: [UInt8](repeating: 0, count: 63)) == .badEncoding)
        #expect(!ed.checkEncoding([UInt8](repeating: 0, count: 65)))
        // S = L (little-endian) with any R: invalid (RFC 8032 strict), not badEncoding.
        #expect(ed.verify(message: [], signature: [UInt8](repeating: 0, count: 32) + Ed25519Verifier.orderLE) == .invalid)
    }
}
