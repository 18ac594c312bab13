import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// GB/T 32918 SM2 example, GB/T 32905 SM3 digests, Wycheproof ECDSA P-256 and Ed25519.
@Suite struct VerificationVectorTests {
    static func json(_ relative: String) throws -> [String: Any] {
        let data = try SharedFixtures.data(relative)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func hex(_ s: String) throws -> [UInt8] { try #require(Hex.decode(s)) }

    @Test func gbt32918SignatureZAandDigest() throws {
        let v = try Self.json("vectors/sm2-gbt32918.json")
        let pub = try #require(v["public_key"] as? String)
        let distid = try #require(v["distid"] as? String)
        let registry = try KeyRegistry(json: Array("""
            {"keys":[{"iss":"GBT","kid":"a1","alg":"SM2","public_key":"\(pub)","distid":"\(distid)","status":"active"}]}
            """.utf8))
        let key = try #require(registry.key(issuer: "GBT", keyID: "a1"))
        let message = Array(try #require(v["message_ascii"] as? String).utf8)
        #expect(key.sm2ZA == (try Self.hex(try #require(v["za"] as? String))))
        #expect(key.sm2Digest(message: message) == (try Self.hex(try #require(v["e"] as? String))))
        let sig = try Self.hex(try #require(v["signature_der"] as? String))
        #expect(key.checkEncoding(sig))
        #expect(key.verify(message: message, signature: sig) == .valid)
        // One changed message byte, or another distid, must not verify.
        var other = message
        other[0] ^= 1
        #expect(key.verify(message: other, signature: sig) == .invalid)
        let wrongID = try KeyRegistry(json: Array("""
            {"keys":[{"iss":"GBT","kid":"a1","alg":"SM2","public_key":"\(pub)","distid":"1234567812345679","status":"active"}]}
            """.utf8))
        #expect(wrongID.keys[0].verify(message: message, signature: sig) == .invalid)
        // Absent distid means the GM/T 0009 default, which is this vector's id.
        let defaulted = try KeyRegistry(json: Array("""
            {"keys":[{"iss":"GBT","kid":"a1","alg":"SM2","public_key":"\(pub)","status":"active"}]}
            """.utf8))
        #expect(defaulted.keys[0].distid == "1234567812345678")
        #expect(defaulted.keys[0].verify(message: message, signature: sig) == .valid)
    }

    @Test func gbt32905SM3Digests() throws {
        let v = try Self.json("vectors/sm2-gbt32918.json")
        let cases = try #require(v["sm3"] as? [[String: String]])
        #expect(cases.count == 2)
        for c in cases {
            let msg: [UInt8] = if let a = c["message_ascii"] { Array(a.utf8) } else { try Self.hex(try #require(c["message_hex"])) }
            #expect(SM3.hash(msg) == (try Self.hex(try #require(c["digest"]))))
        }
    }

    /// Runs every test of a Wycheproof file; returns (checked, valid, invalid) counts.
    static func wycheproof(_ file: String, alg: SignatureAlgorithm, keyField: String) throws -> (Int, Int, Int) {
        let v = try json("vectors/wycheproof/\(file)")
        let groups = try #require(v["testGroups"] as? [[String: Any]])
        var checked = 0, valid = 0, invalid = 0
        for (g, group) in groups.enumerated() {
            let pk = try #require((group["publicKey"] as? [String: Any])?[keyField] as? String)
            let registry = try KeyRegistry(json: Array("""
                {"keys":[{"iss":"W","kid":"\(g)","alg":"\(alg.rawValue)","public_key":"\(pk)","status":"active"}]}
                """.utf8))
            let key = registry.keys[0]
            for t in try #require(group["tests"] as? [[String: Any]]) {
                let msg = try hex(try #require(t["msg"] as? String))
                let sig = try hex(try #require(t["sig"] as? String))
                let result = try #require(t["result"] as? String)
                let got = key.verify(message: msg, signature: sig)
                switch result {
                case "valid":
                    #expect(got == .valid, "tcId \(t["tcId"] ?? "?") \(t["comment"] ?? "")")
                    valid += 1
                case "invalid":
                    #expect(got != .valid, "tcId \(t["tcId"] ?? "?") \(t["comment"] ?? "")")
                    invalid += 1
                default: break  // acceptable: either way
                }
                // checkEncoding must agree with verify on form.
                #expect(key.checkEncoding(sig) == (got != .badEncoding))
                checked += 1
            }
        }
        return (checked, valid, invalid)
    }

    @Test func wycheproofECDSAP256SHA256DER() throws {
        let (checked, valid, invalid) = try Self.wycheproof("ecdsa_secp256r1_sha256_test.json", alg: .es256, keyField: "uncompressed")
        #expect(checked == 484)
        #expect(valid + invalid == 484)
        #expect(valid > 0 && invalid > 0)
    }

    @Test func wycheproofEd25519() throws {
        let (checked, valid, invalid) = try Self.wycheproof("ed25519_test.json", alg: .ed25519, keyField: "pk")
        #expect(checked == 151)
        #expect(valid > 0 && invalid > 0)
    }
}
