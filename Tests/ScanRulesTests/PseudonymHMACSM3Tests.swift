import CLibcrypto
import Foundation
import Testing
@testable import ScanRules

/// HMAC-SM3 (RFC 2104 over GB/T 32905 SM3) and the pseudonym key (issue 13 item 2).
@Suite struct PseudonymHMACSM3Tests {
    static func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }

    /// GM/T 0042-2015 Appendix D.3, as published in OpenSSL's test data
    /// (test/recipes/30-test_evp_data/evpmac_sm3.txt): (key, message, HMAC-SM3).
    static let published: [(String, [UInt8], String)] = [
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
         Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopqabcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
         "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425",
         [UInt8](repeating: 0xCD, count: 50),
         "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"),
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         Array("Hi There".utf8),
         "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"),
        (Hex.encode(Array("Jefe Jeferson Jr".utf8)),
         Array("what do ya want for nothing?".utf8),
         "ce791a34c59adef472997a249600f3f244d59e875be04055ba2ae12fc845e78c"),
    ]

    /// Computed independently with Python 3.11 `hmac.new(key, msg, 'sm3')` (OpenSSL 3.0 SM3)
    /// and, for the 64-byte key, `openssl mac -digest SM3 -macopt hexkey:… HMAC`:
    /// an empty message, a key of exactly one block, a key longer than a block (hashed first).
    static let independent: [(String, String, String)] = [
        ("000102030405060708090a0b0c0d0e0f", "",
         "e9c6873c6124641c0f7cd833d77878cf3b7766a1dc8bde218c900ccd7f54d691"),
        ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
         "73747265616d70726f63",
         "400be3e3c5bc50853cc6e6e81191036c5d1c9f4e4b21c923be8a927128417a44"),
        (Hex.encode(Array(0..<100)), Hex.encode(Array(String(repeating: "abc", count: 50).utf8)),
         "61d2dcc1a3871e5581b9f6206c022785f16d8ae0b818949d976685599d5b9243"),
        ("0102030405060708090a0b0c0d0e0f10", "e6b89de5bfabe7a081",   // UTF-8 of 渝快码
         "f4e9e1504487fb3ee834f0df9105422f06df969301ffa4cc28cf1b4ac76bf9b0"),
    ]

    @Test func publishedVectorsOfGMT0042() {
        for (key, message, mac) in Self.published {
            #expect(Hex.encode(HMACSM3.mac(key: Self.hex(key), message: message)) == mac)
        }
    }

    @Test func independentlyComputedVectors() {
        for (key, message, mac) in Self.independent {
            #expect(Hex.encode(HMACSM3.mac(key: Self.hex(key), message: Self.hex(message))) == mac)
        }
    }

    /// Against OpenSSL's own HMAC (`EVP_Q_mac(…, "HMAC", …, "SM3", …)`), random keys and messages.
    @Test func agreesWithLibcryptoHMACForManyLengths() {
        var rng = SystemRandomNumberGenerator()
        for keyLength in [0, 1, 16, 31, 32, 63, 64, 65, 128, 200] {
            for messageLength in [0, 1, 55, 56, 63, 64, 65, 127, 1000] {
                let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
                var out = [UInt8](repeating: 0, count: 64)
                var outLength = 0
                let keyBuffer = key.isEmpty ? [0] : key   // a non-NULL pointer for the empty key
                let ok = keyBuffer.withUnsafeBufferPointer { k in
                    message.withUnsafeBufferPointer { m in
                        EVP_Q_mac(nil, "HMAC", nil, "SM3", nil, k.baseAddress, keyLength, m.baseAddress, messageLength,
                                  &out, 64, &outLength)
                    }
                }
                #expect(ok != nil)
                #expect(outLength == 32)
                #expect(HMACSM3.mac(key: key, message: message) == Array(out.prefix(32)),
                        "key \(keyLength) bytes, message \(messageLength) bytes")
            }
        }
    }

    static let keyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

    @Test func pseudonymIsHMACOfIssuerNulSubject() throws {
        let key = try PseudonymKey(parsing: #"{"kid": "psn-2026a", "key": "\#(Self.keyHex)"}"#, source: "psn.json")
        #expect(key.keyID == "psn-2026a")
        // Python: hmac.new(bytes(range(32)), b"CQ-YKM\x00ub79c77c82d55", 'sm3').hexdigest()
        #expect(key.pseudonym(issuer: "CQ-YKM", subject: "ub79c77c82d55")
                == "90688f3538863a3375d1a6323cccc1dbdaddb3fdf0b5f8cc412143ba108cdc01")
        // The separator keeps the boundary: ("CQ-YK", "Mub…") is another input.
        #expect(key.pseudonym(issuer: "CQ-YK", subject: "Mub79c77c82d55")
                == "4bad9a9ccee55c8c227b7c2c5ca1fcdfeeb6d461ea516404788f2986699c5715")
        #expect(key.pseudonym(issuer: "CQ-YKM", subject: Subject(rawValue: "ub79c77c82d55"))
                == key.pseudonym(issuer: "CQ-YKM", subject: "ub79c77c82d55"))
    }

    @Test func keyNeverShown() throws {
        let key = try PseudonymKey(parsing: #"{"kid":"k1","key":"\#(Self.keyHex)"}"#)
        #expect(key.description == "PseudonymKey(kid: k1, key: ***)")
        #expect(String(reflecting: key) == key.description)
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains("0102030405"))
        #expect(!"\(key)".contains("0102030405"))
        #expect(dumped.contains("k1"))
    }

    @Test func badKeyFilesAreRefused() throws {
        #expect(throws: PseudonymKeyError.tooShort(path: "p", bytes: 15)) {
            try PseudonymKey(parsing: #"{"kid":"k","key":"\#(String(repeating: "ab", count: 15))"}"#, source: "p")
        }
        _ = try PseudonymKey(parsing: #"{"kid":"k","key":"\#(String(repeating: "AB", count: 16))"}"#, source: "p")
        #expect(throws: PseudonymKeyError.badHex(path: "p")) {
            try PseudonymKey(parsing: #"{"kid":"k","key":"\#(String(repeating: "zz", count: 16))"}"#, source: "p")
        }
        #expect(throws: PseudonymKeyError.badHex(path: "p")) {
            try PseudonymKey(parsing: #"{"kid":"k","key":"\#(String(repeating: "a", count: 33))"}"#, source: "p")
        }
        #expect(throws: PseudonymKeyError.badKeyID(path: "p")) {
            try PseudonymKey(parsing: #"{"kid":"a b","key":"\#(Self.keyHex)"}"#, source: "p")
        }
        #expect(throws: PseudonymKeyError.badFormat(path: "p", problem: "missing string \"kid\"")) {
            try PseudonymKey(parsing: #"{"key":"\#(Self.keyHex)"}"#, source: "p")
        }
        #expect(throws: PseudonymKeyError.badFormat(path: "p", problem: "unknown member \"alg\"")) {
            try PseudonymKey(parsing: #"{"kid":"k","key":"\#(Self.keyHex)","alg":"x"}"#, source: "p")
        }
        #expect(throws: PseudonymKeyError.badFormat(path: "p", problem: "expected a JSON object {\"kid\": …, \"key\": …}")) {
            try PseudonymKey(parsing: Self.keyHex, source: "p")
        }
        #expect(throws: PseudonymKeyError.unreadable(path: "/nonexistent/psn.json", reason: "no such file")) {
            try PseudonymKey(contentsOfFile: "/nonexistent/psn.json")
        }
        let error = PseudonymKeyError.tooShort(path: "/etc/streamproc/psn.json", bytes: 8)
        #expect(error.description == "/etc/streamproc/psn.json: \"key\" has 8 bytes, at least 16 are required (32 recommended)")
    }
}
