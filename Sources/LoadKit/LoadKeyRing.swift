import ScanRules
import Aggregates

/// The load generator's signing keys and the public registry built from them
/// (spec v1 §4). Private keys stay in memory; only ``signingKeysJSON()`` (called
/// explicitly, e.g. by `bench generate --write-signing-keys`) writes them out.
///
/// Keys: `CQ-YKM/ykm-gen-a` (SM2, default distid), `CQ-YKM/ykm-gen-b` (SM2,
/// distid `CQ-YKM-GEN-B@cq.gov.cn`), `CQ-YKM/ykm-gen-x` (SM2, revoked),
/// `SC-GOV/sc-gen-1` (ES256), `GZ-GOV/gz-gen-1` (Ed25519); and two keys absent from
/// the registry for `unknown_key` codes: `CQ-YKM/ykm-gen-z` (SM2) and `XX-NOPE/xx-1` (Ed25519).
public struct LoadKeyRing: Sendable {
    /// All keys, registered first.
    public let keys: [TestSigningKey]
    let sm2Default: Int, sm2Distid: Int, sm2Revoked: Int, es256: Int, ed25519: Int
    let unknownSM2: Int, unknownEd25519: Int

    /// Derives the keys from `material` (called once per key for 32 bytes; retried
    /// while the bytes are not a valid scalar).
    init(material: () -> [UInt8]) {
        func make(_ iss: String, _ kid: String, _ alg: SignatureAlgorithm, distid: String? = nil,
                  revoked: Bool = false, registered: Bool = true) -> TestSigningKey {
            while true {
                if let k = try? TestSigningKey(iss: iss, kid: kid, alg: alg, privateKey: material(),
                                               distid: distid, revoked: revoked, registered: registered) {
                    return k
                }
            }
        }
        keys = [
            make("CQ-YKM", "ykm-gen-a", .sm2),
            make("CQ-YKM", "ykm-gen-b", .sm2, distid: "CQ-YKM-GEN-B@cq.gov.cn"),
            make("CQ-YKM", "ykm-gen-x", .sm2, revoked: true),
            make("SC-GOV", "sc-gen-1", .es256),
            make("GZ-GOV", "gz-gen-1", .ed25519),
            make("CQ-YKM", "ykm-gen-z", .sm2, registered: false),
            make("XX-NOPE", "xx-1", .ed25519, registered: false),
        ]
        (sm2Default, sm2Distid, sm2Revoked, es256, ed25519, unknownSM2, unknownEd25519) = (0, 1, 2, 3, 4, 5, 6)
    }

    /// The public registry (spec v1 §4) of the registered keys, in the corpus's layout:
    /// `{"keys":[{"iss","kid","alg","public_key","status"[,"distid"]},…]}`, 2-space indented.
    public func registryJSON() -> [UInt8] {
        var s = "{\n  \"keys\": [\n"
        let reg = keys.filter(\.registered)
        for (i, k) in reg.enumerated() {
            s += "    {\n"
            s += "      \"iss\": \"\(k.iss)\",\n      \"kid\": \"\(k.kid)\",\n      \"alg\": \"\(k.alg.rawValue)\",\n"
            s += "      \"public_key\": \"\(k.publicKeyHex)\",\n"
            s += "      \"status\": \"\(k.revoked ? "revoked" : "active")\""
            if let d = k.distid { s += ",\n      \"distid\": \"\(d)\"" }
            s += "\n    }" + (i + 1 < reg.count ? "," : "") + "\n"
        }
        s += "  ]\n}\n"
        return Array(s.utf8)
    }

    /// PRIVATE: every key with its private key in hex (`private_key`: the SM2/P-256
    /// scalar or the Ed25519 seed), plus `registered`. Write it only on explicit request,
    /// to a file readable by its owner alone.
    public func signingKeysJSON() -> [UInt8] {
        var s = "{\n  \"warning\": \"PRIVATE signing keys of a synthetic load run; never publish\",\n  \"keys\": [\n"
        for (i, k) in keys.enumerated() {
            s += "    {\"iss\": \"\(k.iss)\", \"kid\": \"\(k.kid)\", \"alg\": \"\(k.alg.rawValue)\", "
            s += "\"private_key\": \"\(k.privateKeyHex)\", \"public_key\": \"\(k.publicKeyHex)\", "
            if let d = k.distid { s += "\"distid\": \"\(d)\", " }
            s += "\"status\": \"\(k.revoked ? "revoked" : "active")\", \"registered\": \(k.registered)}"
            s += (i + 1 < keys.count ? "," : "") + "\n"
        }
        s += "  ]\n}\n"
        return Array(s.utf8)
    }
}
