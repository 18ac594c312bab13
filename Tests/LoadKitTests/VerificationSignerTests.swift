import Dispatch
import Foundation
import Synchronization
import Testing
@testable import LoadKit
import ScanRules
import Aggregates
import LiveView
import KafkaIO
import StreamProcTesting

/// TestSigningKey round trips through the registry and verifiers, and corpus cross-checks
/// against the independent signers (gmssl-style pure-Python SM2, pyca/cryptography).
@Suite struct VerificationSignerTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func signerRoundTrip(_ alg: SignatureAlgorithm) throws {
        let signer = try TestSigningKey.generate(alg, distid: "bench@example.cn")
        let reg = try KeyRegistry(json: Array("{\"keys\":[\(signer.registryEntryJSON(issuer: "T", keyID: "k"))]}".utf8))
        let key = try #require(reg.key(issuer: "T", keyID: "k"))
        #expect(key.algorithm == alg)
        #expect(key.distid == (alg == .sm2 ? "bench@example.cn" : nil))
        let message = Array(#"{"iss":"T","kid":"k","typ":"P","sub":"x","iat":1,"exp":2}"#.utf8)
        for _ in 0..<8 {
            let sig = try signer.sign(message)
            #expect(key.checkEncoding(sig))
            #expect(key.verify(message: message, signature: sig) == .valid)
            #expect(key.verify(message: message + [0x20], signature: sig) == .invalid)
            var flipped = sig
            flipped[flipped.count - 1] ^= 0x01
            #expect(key.verify(message: message, signature: flipped) != .valid)
        }
        if alg == .sm2 {
            // Same key under the default distid: ZA differs, so the signature fails.
            let other = try KeyRegistry(json: Array("{\"keys\":[\(signer.registryEntryJSON(issuer: "T", keyID: "k").replacingOccurrences(of: ",\"distid\":\"bench@example.cn\"", with: ""))]}".utf8))
            #expect(other.keys[0].distid == "1234567812345678")
            #expect(other.keys[0].verify(message: message, signature: try signer.sign(message)) == .invalid)
        }
    }

    @Test func ed25519MalleableSIsRejected() throws {
        let signer = try TestSigningKey.generate(.ed25519)
        let reg = try KeyRegistry(json: Array("{\"keys\":[\(signer.registryEntryJSON(issuer: "T", keyID: "e"))]}".utf8))
        let message = Array("payload".utf8)
        let sig = try signer.sign(message)
        #expect(reg.keys[0].verify(message: message, signature: sig) == .valid)
        // S + L ≡ S (mod L): accepted by non-strict verifiers, rejected by RFC 8032 §5.1.7.
        var mall = sig
        var carry = 0
        for i in 0..<32 {
            let t = Int(mall[32 + i]) + Int(Ed25519Verifier.orderLE[i]) + carry
            mall[32 + i] = UInt8(t & 0xFF)
            carry = t >> 8
        }
        #expect(carry == 0)
        #expect(reg.keys[0].verify(message: message, signature: mall) == .invalid)
    }

    /// base64url without padding → bytes (test-only ad-hoc decoder via Foundation).
    static func b64url(_ s: Substring) -> [UInt8]? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t).map { [UInt8]($0) }
    }

    @Test func corpusValidAndInvalidSignatures() throws {
        let reg = try KeyRegistry(contentsOfFile: SharedFixtures.root + "/corpus/v1/keys.json")
        let events = try SharedFixtures.lines("corpus/v1/events.jsonl")
        let verdicts = try SharedFixtures.lines("corpus/v1/expected-verdicts.jsonl")
        #expect(events.count == verdicts.count)
        let codeRegex = try NSRegularExpression(pattern: #""code":"YKM1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)""#)
        var checkedValid = 0, checkedInvalid = 0
        var perAlg: [SignatureAlgorithm: Int] = [:]
        for (line, verdictLine) in zip(events, verdicts) {
            guard let v = try JSONSerialization.jsonObject(with: verdictLine) as? [String: Any],
                  let verdict = v["verdict"] as? String, verdict == "valid" || verdict == "invalid_signature",
                  let text = String(data: line, encoding: .utf8) else { continue }
            let ns = text as NSString
            guard let m = codeRegex.firstMatch(in: text, range: NSRange(location: 0, length: ns.length)),
                  let payload = Self.b64url(Substring(ns.substring(with: m.range(at: 1)))),
                  let sig = Self.b64url(Substring(ns.substring(with: m.range(at: 2)))),
                  let claims = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
                  let iss = claims["iss"] as? String, let kid = claims["kid"] as? String,
                  let key = reg.key(issuer: iss, keyID: kid) else { continue }
            let got = key.verify(message: payload, signature: sig)
            if verdict == "valid" {
                #expect(got == .valid, "line \(v["line"] ?? "?") \(iss)/\(kid)")
                checkedValid += 1
                perAlg[key.algorithm, default: 0] += 1
            } else {
                #expect(got == .invalid, "line \(v["line"] ?? "?") \(iss)/\(kid)")
                checkedInvalid += 1
            }
        }
        // Every algorithm is exercised, and a good share of the corpus is checked.
        #expect(SignatureAlgorithm.allCases.allSatisfy { (perAlg[$0] ?? 0) > 0 })
        #expect(checkedValid > 100)
        #expect(checkedInvalid > 0)
        print("corpus cross-check: \(checkedValid) valid, \(checkedInvalid) invalid_signature; per alg \(perAlg)")
    }
}

/// `RegisteredKey.verify` is called from many threads at once (pooled SM2 contexts).
@Suite struct VerificationConcurrencyTests {
    @Test(arguments: SignatureAlgorithm.allCases)
    func concurrentVerifyAgrees(_ alg: SignatureAlgorithm) throws {
        let signer = try TestSigningKey.generate(alg)
        let reg = try KeyRegistry(json: Array("{\"keys\":[\(signer.registryEntryJSON(issuer: "C", keyID: "k"))]}".utf8))
        let key = reg.keys[0]
        let messages = (0..<32).map { Array("message \($0)".utf8) }
        let signatures = try messages.map { try signer.sign($0) }
        let tasks = 8, rounds = 4
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: tasks) { t in
            var bad = 0
            for _ in 0..<rounds {
                for i in messages.indices {
                    // Odd tasks check a wrong message/signature pairing, which must not verify.
                    let j = t % 2 == 0 ? i : (i + 1) % messages.count
                    let expected: SignatureCheck = t % 2 == 0 ? .valid : .invalid
                    if key.verify(message: messages[i], signature: signatures[j]) != expected { bad += 1 }
                }
            }
            mismatches.withLock { $0 += bad }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }
}
