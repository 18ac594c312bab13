import Crypto
import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// Registry hardening (spec §4, issue 12 item 3): keys that are small-order,
/// non-canonical, off their curve, the point at infinity or not uncompressed SEC1
/// are refused at load with an error naming the entry.
///
/// Test points were computed independently with Python from the curve equations
/// (edwards25519: −x² + y² = 1 + d·x²·y²; P-256 and sm2p256v1: y² = x³ − 3x + b).
@Suite struct VerificationRegistryHardeningTests {
    /// A good Ed25519 key (RFC 8032 §7.1 test 1).
    static let goodEd = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let identity = "0100000000000000000000000000000000000000000000000000000000000000"
    /// The 8 points of the 8-torsion subgroup of edwards25519, canonical encodings.
    static let smallOrder = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ]
    /// R = identity, S = 0.
    static let forgedSignature: [UInt8] = Hex.decode(identity)! + [UInt8](repeating: 0, count: 32)

    /// Registry JSON: a good Ed25519 entry first, then the entry under test (index 1).
    static func load(alg: String, pub: String, kid: String = "bad-1") throws -> KeyRegistry {
        let json = """
            {"keys":[{"iss":"CQ-YKM","kid":"good","alg":"Ed25519","public_key":"\(goodEd)","status":"active"},
            {"iss":"CQ-YKM","kid":"\(kid)","alg":"\(alg)","public_key":"\(pub)","status":"active"}]}
            """
        return try KeyRegistry(json: Array(json.utf8))
    }

    /// Loads expecting a failure on entry #1 and returns the error.
    static func refusal(alg: String, pub: String, kid: String = "bad-1") -> KeyRegistryError? {
        do {
            _ = try load(alg: alg, pub: pub, kid: kid)
        } catch let e as KeyRegistryError {
            return e
        } catch {
            return nil
        }
        return nil
    }

    @Test func identityKeyWouldAcceptAForgeryForAnyPayloadAndIsRefused() throws {
        // The attack: swift-crypto takes the identity as a key and accepts R = identity, S = 0.
        let raw = try #require(Hex.decode(Self.identity))
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        for payload in ["hello", #"{"sub":"500101199001011234","iat":1764547200,"exp":1764547500}"#, ""] {
            #expect(key.isValidSignature(Self.forgedSignature, for: Array(payload.utf8)))
        }
        // The registry refuses to load it, naming the entry.
        let e = try #require(Self.refusal(alg: "Ed25519", pub: Self.identity, kid: "ykm-ed-1"))
        #expect(e.index == 1)
        #expect(e.issuer == "CQ-YKM")
        #expect(e.keyID == "ykm-ed-1")
        #expect(e.problem == "public_key is a small-order point of edwards25519 (order 1); it would accept forged signatures")
        #expect(e.description.hasPrefix("key registry entry #1 (iss=CQ-YKM, kid=ykm-ed-1): public_key is a small-order point"))
        #expect(Ed25519Verifier(publicKey: raw) == nil)
    }

    @Test(arguments: smallOrder)
    func everySmallOrderPointIsForgeableAndRefused(hex: String) throws {
        let raw = try #require(Hex.decode(hex))
        // Independent evidence that the point has small order: R = identity, S = 0
        // verifies for some message (k a multiple of the point's order), which for a
        // point with a prime-order component would take ~2^252 tries.
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        let forged = (0..<200).contains { key.isValidSignature(Self.forgedSignature, for: Array("m\($0)".utf8)) }
        #expect(forged)
        let e = try #require(Self.refusal(alg: "Ed25519", pub: hex))
        #expect(e.index == 1)
        #expect(e.issuer == "CQ-YKM")
        #expect(e.keyID == "bad-1")
        #expect(e.problem.hasPrefix("public_key is a small-order point of edwards25519"))
        #expect(Ed25519Verifier(publicKey: raw) == nil)
    }

    @Test func theSmallOrderListHasEightDistinctPoints() {
        #expect(Set(Self.smallOrder).count == 8)
        #expect(Set(Ed25519SmallOrder.encodings.map(\.hex)) == Set(Self.smallOrder))
        #expect(Ed25519SmallOrder.order(of: Hex.decode(Self.goodEd)!) == nil)
        #expect(Ed25519SmallOrder.order(of: Hex.decode(Self.smallOrder[1])!) == 2)
    }

    @Test func aGoodKeyOfLargeOrderRejectsTheForgery() throws {
        let reg = try Self.load(alg: "Ed25519",
                                pub: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", kid: "rfc8032-2")
        let key = try #require(reg.key(issuer: "CQ-YKM", keyID: "rfc8032-2"))
        for i in 0..<64 { #expect(key.verify(message: Array("m\(i)".utf8), signature: Self.forgedSignature) == .invalid) }
    }

    /// Non-canonical encodings and a y off the curve: swift-crypto accepts each as a
    /// key; the registry refuses them (canonical decoding, RFC 8032 §5.1.3).
    @Test(arguments: [
        ("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "y = p"),
        ("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "y = p + 1 (identity)"),
        ("0100000000000000000000000000000000000000000000000000000000000080", "x = 0 with the sign bit"),
        ("0200000000000000000000000000000000000000000000000000000000000000", "y = 2: off the curve"),
    ])
    func nonCanonicalOrOffCurveEd25519KeysAreRefused(hex: String, what: String) throws {
        let raw = try #require(Hex.decode(hex))
        #expect((try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil, "swift-crypto accepts \(what)")
        let e = try #require(Self.refusal(alg: "Ed25519", pub: hex))
        #expect(e.index == 1)
        #expect(e.keyID == "bad-1")
        #expect(e.problem == "public_key is not a valid point of edwards25519")
    }

    @Test func nonCanonicalIdentityWouldAlsoAcceptTheForgery() throws {
        // y = p + 1 decodes (non-canonically) to the identity in swift-crypto.
        let raw = try #require(Hex.decode("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"))
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: raw)
        #expect(key.isValidSignature(Self.forgedSignature, for: Array("any".utf8)))
        #expect(Self.refusal(alg: "Ed25519", pub: Hex.encode(raw)) != nil)
    }

    /// One SEC1 case for SM2 or ES256.
    struct SEC1Case: Sendable, CustomTestStringConvertible {
        let alg: String
        let what: String
        let hex: String
        var testDescription: String { "\(alg): \(what)" }
    }

    static let zeros64 = String(repeating: "0", count: 128)
    // P-256: (5, y) is on the curve; (x, 5) is on the curve.
    static let p256X5 = "0000000000000000000000000000000000000000000000000000000000000005"
    static let p256Y5ofX5 = "459243b9aa581806fe913bce99817ade11ca503c64d9a3c533415c083248fbcc"
    static let p256XofY5 = "d7325d7646cd60d80a92738ceb345f844cffaf35841022cab176f692de8de1d7"
    static let p256P = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
    static let p256PPlus5 = "ffffffff00000001000000000000000000000001000000000000000000000004"
    // sm2p256v1: (1, y) is on the curve; (x, 1) is on the curve.
    static let sm2X1 = "0000000000000000000000000000000000000000000000000000000000000001"
    static let sm2YofX1 = "9f7a091433a81e3f218f405f792355bf2aa98b5ffa95982f03870800065279a3"
    static let sm2XofY1 = "9c17043effe1a805a74a9a5e70b9d659705d3242094a566dc016f49311178d1f"
    static let sm2PPlus1 = "fffffffeffffffffffffffffffffffffffffffff000000010000000000000000"

    static let validSEC1: [SEC1Case] = [
        SEC1Case(alg: "ES256", what: "(5, y)", hex: "04" + p256X5 + p256Y5ofX5),
        SEC1Case(alg: "ES256", what: "(x, 5)", hex: "04" + p256XofY5 + "0000000000000000000000000000000000000000000000000000000000000005"),
        SEC1Case(alg: "SM2", what: "(1, y)", hex: "04" + sm2X1 + sm2YofX1),
        SEC1Case(alg: "SM2", what: "(x, 1)", hex: "04" + sm2XofY1 + "0000000000000000000000000000000000000000000000000000000000000001"),
    ]

    static let invalidSEC1: [SEC1Case] = [
        SEC1Case(alg: "ES256", what: "x = 5 + p", hex: "04" + p256PPlus5 + p256Y5ofX5),
        SEC1Case(alg: "ES256", what: "y = 5 + p", hex: "04" + p256XofY5 + p256PPlus5),
        SEC1Case(alg: "ES256", what: "x = p", hex: "04" + p256P + p256Y5ofX5),
        SEC1Case(alg: "ES256", what: "off the curve", hex: "04" + p256X5 + String(p256Y5ofX5.dropLast()) + "d"),
        SEC1Case(alg: "ES256", what: "infinity as 04‖0‖0", hex: "04" + zeros64),
        SEC1Case(alg: "ES256", what: "hybrid 06", hex: "06" + p256X5 + p256Y5ofX5),
        SEC1Case(alg: "ES256", what: "hybrid 07", hex: "07" + p256X5 + p256Y5ofX5),
        SEC1Case(alg: "ES256", what: "compressed", hex: "02" + p256X5),
        SEC1Case(alg: "ES256", what: "infinity as 00", hex: "00"),
        SEC1Case(alg: "SM2", what: "x = 1 + p", hex: "04" + sm2PPlus1 + sm2YofX1),
        SEC1Case(alg: "SM2", what: "y = 1 + p", hex: "04" + sm2XofY1 + sm2PPlus1),
        SEC1Case(alg: "SM2", what: "off the curve", hex: "04" + sm2X1 + String(sm2YofX1.dropLast()) + "4"),
        SEC1Case(alg: "SM2", what: "infinity as 04‖0‖0", hex: "04" + zeros64),
        SEC1Case(alg: "SM2", what: "hybrid 07", hex: "07" + sm2X1 + sm2YofX1),
        SEC1Case(alg: "SM2", what: "compressed", hex: "03" + sm2X1),
        SEC1Case(alg: "SM2", what: "infinity as 00", hex: "00"),
    ]

    @Test(arguments: validSEC1)
    func theControlPointsLoad(c: SEC1Case) throws {
        let reg = try Self.load(alg: c.alg, pub: c.hex)
        #expect(reg.keys.count == 2)
        #expect(reg.key(issuer: "CQ-YKM", keyID: "bad-1")?.publicKey == Hex.decode(c.hex))
    }

    @Test(arguments: invalidSEC1)
    func sec1KeysThatAreNotFiniteCurvePointsAreRefused(c: SEC1Case) throws {
        let e = try #require(Self.refusal(alg: c.alg, pub: c.hex))
        #expect(e.index == 1)
        #expect(e.issuer == "CQ-YKM")
        #expect(e.keyID == "bad-1")
        #expect(e.problem.hasPrefix("public_key "))
        // What the backends refuse on their own (so no extra check is needed here).
        let raw = try #require(Hex.decode(c.hex))
        if c.alg == "ES256" {
            #expect((try? P256.Signing.PublicKey(x963Representation: raw)) == nil)
            #expect(ES256Verifier(publicPoint: raw) == nil)
        } else {
            #expect(SM2AffinePoint(uncompressed: raw) == nil)
            #expect(SM2Verifier(publicPoint: raw, distid: Array("1234567812345678".utf8), fastPath: false) == nil)
        }
    }
}
