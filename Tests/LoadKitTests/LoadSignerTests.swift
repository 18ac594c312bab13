import Crypto
import Foundation
import Testing
@testable import LoadKit
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import StreamProcTesting

@Suite("TestSigner")
struct LoadSignerTests {
    struct Vector: Decodable {
        let distid: String, message_ascii: String, private_key: String, public_key: String, za: String, e: String
        struct SM3: Decodable { let message_ascii: String?; let message_hex: String?; let digest: String }
        let sm3: [SM3]
    }

    func vector() throws -> Vector {
        try JSONDecoder().decode(Vector.self, from: SharedFixtures.data("vectors/sm2-gbt32918.json"))
    }

    @Test("SM2 key from the GB/T 32918.5 private key gives its public key and ZA")
    func sm2KeyAndZA() throws {
        let v = try vector()
        let key = try TestSigningKey(iss: "T", kid: "t", alg: .sm2, privateKey: Hex.decode(v.private_key) ?? [])
        #expect(key.publicKeyHex == v.public_key.lowercased())
        #expect(key.distid == v.distid)
        guard case .sm2(_, let za) = key.backing else { Issue.record("not SM2"); return }
        #expect(Hex.encode(za) == v.za.lowercased())
        #expect(Hex.encode(SM3.hash(za + Array(v.message_ascii.utf8))) == v.e.lowercased())
        for t in v.sm3 {
            let m = t.message_ascii.map { Array($0.utf8) } ?? Hex.decode(t.message_hex ?? "") ?? []
            #expect(Hex.encode(SM3.hash(m)) == t.digest)
        }
    }

    @Test("SM2 signatures verify in OpenSSL with the key's distid, and only with it")
    func sm2VerifiesWithDistid() throws {
        var rng = LoadRandom(seed: 7)
        let signer = TestSigner()
        for (fast, distid) in [(true, SM2Parameters.defaultDistid), (true, "CQ-YKM-GEN-B@cq.gov.cn"),
                               (false, SM2Parameters.defaultDistid), (false, "CQ-YKM-GEN-B@cq.gov.cn")] {
            signer.fastSM2Signing = fast
            let key = try TestSigningKey(iss: "CQ-YKM", kid: "k", alg: .sm2, privateKey: rng.bytes32(), distid: distid)
            var msg = Array(#"{"iss":"CQ-YKM","kid":"k","typ":"P","sub":"u0123456789ab","iat":1,"exp":61}"#.utf8)
            // Many signatures: r and s with and without a leading 0x00 byte in DER.
            for i in 0..<40 {
                msg[45] = UInt8(0x61 + i % 6)
                let sig = try #require(signer.sign(msg, with: key))
                #expect(TestSigner.verifySM2(message: msg, signature: sig, publicKey: key.publicKey, distid: distid), "fast=\(fast)")
            }
            let sig = try #require(signer.sign(msg, with: key))
            #expect(sig.first == 0x30 && sig.count >= 8 && sig.count <= 72)
            #expect(TestSigner.verifySM2(message: msg, signature: sig, publicKey: key.publicKey, distid: distid))
            #expect(!TestSigner.verifySM2(message: msg, signature: sig, publicKey: key.publicKey, distid: distid + "x"))
            var other = msg; other[10] ^= 1
            #expect(!TestSigner.verifySM2(message: other, signature: sig, publicKey: key.publicKey, distid: distid))
        }
    }

    @Test("SM2 signature verifies with the openssl CLI (dgst -sm3 -sigopt distid)",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func sm2VerifiesWithOpenSSLCLI() throws {
        var rng = LoadRandom(seed: 11)
        let distid = "CQ-YKM-GEN-B@cq.gov.cn"
        let key = try TestSigningKey(iss: "CQ-YKM", kid: "k", alg: .sm2, privateKey: rng.bytes32(), distid: distid)
        let msg = Array("payload bytes for the CLI".utf8)
        let sig = try #require(TestSigner().sign(msg, with: key))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loadsig-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // SubjectPublicKeyInfo: id-ecPublicKey with curve sm2p256v1 (1.2.156.10197.1.301).
        let spki = (Hex.decode("3059301306072a8648ce3d020106082a811ccf5501822d034200") ?? []) + key.publicKey
        let pem = "-----BEGIN PUBLIC KEY-----\n" + Data(spki).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END PUBLIC KEY-----\n"
        try pem.write(to: dir.appendingPathComponent("pub.pem"), atomically: true, encoding: .utf8)
        try Data(sig).write(to: dir.appendingPathComponent("sig.bin"))
        try Data(msg).write(to: dir.appendingPathComponent("msg.bin"))
        func run(_ id: String) throws -> (Int32, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            p.arguments = ["dgst", "-sm3", "-verify", dir.appendingPathComponent("pub.pem").path,
                           "-sigopt", "distid:\(id)", "-signature", dir.appendingPathComponent("sig.bin").path,
                           dir.appendingPathComponent("msg.bin").path]
            let out = Pipe(); p.standardOutput = out; p.standardError = out
            try p.run(); p.waitUntilExit()
            return (p.terminationStatus, String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        let good = try run(distid)
        #expect(good.0 == 0 && good.1.contains("Verified OK"), "\(good.1)")
        let bad = try run(SM2Parameters.defaultDistid)
        #expect(bad.0 != 0)
    }

    @Test("ES256 signatures are DER and verify in swift-crypto; Ed25519 signatures are 64 bytes and verify")
    func es256AndEd25519() throws {
        var rng = LoadRandom(seed: 3)
        let signer = TestSigner()
        let msg = Array("some payload".utf8)
        let es = try TestSigningKey(iss: "SC-GOV", kid: "s", alg: .es256, privateKey: rng.bytes32())
        #expect(es.publicKey.count == 65 && es.publicKey[0] == 0x04)
        let esSig = try #require(signer.sign(msg, with: es))
        #expect(esSig.first == 0x30)
        let pub = try P256.Signing.PublicKey(x963Representation: es.publicKey)
        #expect(pub.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: esSig), for: msg))
        #expect(!pub.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: esSig), for: msg + [0]))

        let ed = try TestSigningKey(iss: "GZ-GOV", kid: "g", alg: .ed25519, privateKey: rng.bytes32())
        #expect(ed.publicKey.count == 32)
        let edSig = try #require(signer.sign(msg, with: ed))
        #expect(edSig.count == 64)
        let edPub = try Curve25519.Signing.PublicKey(rawRepresentation: ed.publicKey)
        #expect(edPub.isValidSignature(edSig, for: msg))
        #expect(!edPub.isValidSignature(edSig, for: msg + [0]))
    }

    @Test("Invalid private keys are refused")
    func invalidKeys() {
        #expect(throws: TestSigningKey.KeyError.invalidPrivateKey) {
            try TestSigningKey(iss: "a", kid: "b", alg: .sm2, privateKey: [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: TestSigningKey.KeyError.invalidPrivateKey) {
            try TestSigningKey(iss: "a", kid: "b", alg: .sm2, privateKey: SM2Parameters.n)
        }
        #expect(throws: TestSigningKey.KeyError.invalidPrivateKey) {
            try TestSigningKey(iss: "a", kid: "b", alg: .es256, privateKey: [1, 2, 3])
        }
    }
}
