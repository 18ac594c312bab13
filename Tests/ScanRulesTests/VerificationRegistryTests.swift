import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// Key registry loading and validation (spec §4).
@Suite struct VerificationRegistryTests {
    static let sm2Point = "0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
    static let p256Point = "0404aaec73635726f213fb8a9e64da3b8632e41495a944d0045b522eba7240fad587d9315798aaa3a5ba01775787ced05eaaf7b4e09fc81d6d1aa546e8365d525d"
    static let edKey = "7d4d0e7f6153a69b6242b522abbee685fda4420f8834b108c3bdae369ef549fa"

    static func registry(_ entries: String...) throws -> KeyRegistry {
        try KeyRegistry(json: Array("{\"keys\":[\(entries.joined(separator: ","))]}".utf8))
    }

    static func entry(iss: String = "X", kid: String = "k", alg: String = "SM2", pub: String = sm2Point,
                      status: String = "active", extra: String = "") -> String {
        "{\"iss\":\"\(iss)\",\"kid\":\"\(kid)\",\"alg\":\"\(alg)\",\"public_key\":\"\(pub)\",\"status\":\"\(status)\"\(extra)}"
    }

    /// Loads expecting a failure; returns the error.
    static func failure(_ entries: String...) throws -> KeyRegistryError {
        do {
            _ = try KeyRegistry(json: Array("{\"keys\":[\(entries.joined(separator: ","))]}".utf8))
        } catch let e as KeyRegistryError {
            return e
        }
        Issue.record("registry loaded but should have failed")
        throw CancellationError()
    }

    @Test func corpusRegistryLoads() throws {
        let reg = try KeyRegistry(contentsOfFile: SharedFixtures.root + "/corpus/v1/keys.json")
        #expect(reg.keys.count == 5)
        let b = try #require(reg.key(issuer: "CQ-YKM", keyID: "ykm-2026b"))
        #expect(b.algorithm == .sm2)
        #expect(b.distid == "CQ-YKM-2026B@cq.gov.cn")
        #expect(b.status == .active)
        #expect(reg.key(issuer: "CQ-YKM", keyID: "ykm-2025x")?.status == .revoked)
        #expect(reg.key(issuer: "SC-GOV", keyID: "sc-1")?.algorithm == .es256)
        #expect(reg.key(issuer: "SC-GOV", keyID: "sc-1")?.distid == nil)
        #expect(reg.key(issuer: "GZ-GOV", keyID: "gz-1")?.algorithm == .ed25519)
        #expect(reg.key(issuer: "GZ-GOV", keyID: "sc-1") == nil)
        #expect(reg.key(issuer: "CQ-YKM", keyID: "nope") == nil)
    }

    @Test func allAlgorithmsLoad() throws {
        let reg = try Self.registry(Self.entry(kid: "a"), Self.entry(kid: "b", alg: "ES256", pub: Self.p256Point),
                                    Self.entry(kid: "c", alg: "Ed25519", pub: Self.edKey, status: "revoked"))
        #expect(reg.keys.map(\.algorithm) == [.sm2, .es256, .ed25519])
        #expect(reg.keys.map(\.status) == [.active, .active, .revoked])
    }

    @Test func badHexNamesEntry() throws {
        let bad = "04" + String(repeating: "zz", count: 64)
        let e = try Self.failure(Self.entry(kid: "ok"), Self.entry(iss: "CQ", kid: "bad-hex", pub: bad))
        #expect(e.index == 1 && e.issuer == "CQ" && e.keyID == "bad-hex")
        #expect(e.description.contains("#1") && e.description.contains("bad-hex") && e.description.contains("hex"))
    }

    @Test func wrongLengthNamesEntry() throws {
        let e = try Self.failure(Self.entry(kid: "short", alg: "Ed25519", pub: Self.sm2Point))
        #expect(e.index == 0 && e.keyID == "short" && e.problem.contains("64 hex"))
        let c = try Self.failure(Self.entry(kid: "compressed", pub: "02" + String(Self.sm2Point.dropFirst(2))))
        #expect(c.keyID == "compressed" && c.problem.contains("uncompressed"))
    }

    @Test func pointNotOnCurveNamesEntry() throws {
        // Last hex digit changed: y no longer matches x on the curve.
        var offSM2 = Self.sm2Point
        offSM2.removeLast(); offSM2 += "4"
        let e = try Self.failure(Self.entry(kid: "off-sm2", pub: offSM2))
        #expect(e.index == 0 && e.keyID == "off-sm2" && e.problem.contains("sm2p256v1"))
        var offP256 = Self.p256Point
        offP256.removeLast(); offP256 += "e"
        let p = try Self.failure(Self.entry(kid: "off-p256", alg: "ES256", pub: offP256))
        #expect(p.keyID == "off-p256" && p.problem.contains("P-256"))
        // The SM2 point is not on P-256 either.
        let q = try Self.failure(Self.entry(kid: "sm2-as-p256", alg: "ES256", pub: Self.sm2Point))
        #expect(q.keyID == "sm2-as-p256")
        // y = 2 does not decode to an edwards25519 point (x^2 not a square) …
        let ed = "02" + String(repeating: "00", count: 31)
        let d = try Self.failure(Self.entry(kid: "off-ed", alg: "Ed25519", pub: ed))
        #expect(d.keyID == "off-ed" && d.problem.contains("edwards25519"))
        // … and a non-canonical y (= p) is rejected too.
        let yp = "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
        #expect(try Self.failure(Self.entry(kid: "y-eq-p", alg: "Ed25519", pub: yp)).keyID == "y-eq-p")
    }

    @Test func unknownAlgNamesEntry() throws {
        let e = try Self.failure(Self.entry(iss: "ZZ", kid: "rsa", alg: "RS256"))
        #expect(e.index == 0 && e.issuer == "ZZ" && e.keyID == "rsa" && e.problem.contains("RS256"))
    }

    @Test func duplicatePairNamesEntry() throws {
        let e = try Self.failure(Self.entry(iss: "CQ", kid: "dup"), Self.entry(iss: "CQ", kid: "other"),
                                 Self.entry(iss: "CQ", kid: "dup", alg: "ES256", pub: Self.p256Point))
        #expect(e.index == 2 && e.issuer == "CQ" && e.keyID == "dup" && e.problem.contains("duplicate"))
    }

    @Test func statusAndDistidRules() throws {
        let s = try Self.failure(Self.entry(kid: "st", status: "paused"))
        #expect(s.keyID == "st" && s.problem.contains("paused"))
        let d = try Self.failure(Self.entry(kid: "es-distid", alg: "ES256", pub: Self.p256Point, extra: ",\"distid\":\"x\""))
        #expect(d.keyID == "es-distid" && d.problem.contains("SM2"))
        let empty = try Self.failure(Self.entry(kid: "empty-distid", extra: ",\"distid\":\"\""))
        #expect(empty.keyID == "empty-distid")
    }

    @Test func duplicateJSONKeyAndShape() throws {
        let e = try Self.failure(Self.entry(kid: "k", extra: ",\"alg\":\"ES256\""))
        #expect(e.problem.contains("duplicate JSON object key"))
        #expect(throws: KeyRegistryError.self) { try KeyRegistry(json: Array("[]".utf8)) }
        #expect(throws: KeyRegistryError.self) { try KeyRegistry(json: Array("{\"keys\":[1]}".utf8)) }
        #expect(throws: KeyRegistryError.self) { try KeyRegistry(contentsOfFile: "/nonexistent/keys.json") }
    }
}
