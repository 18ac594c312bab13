import Foundation

/// The key registry (spec §4): `{"keys":[{"iss","kid","alg","public_key","distid"?,"status"}, …]}`.
///
/// Every entry is validated at load: `iss`/`kid` non-empty strings, `alg` one of
/// `SM2`/`ES256`/`Ed25519`, `public_key` hex of an uncompressed point (130 hex chars,
/// `04…`) for SM2/ES256 or 64 hex chars for Ed25519 that is a valid point of its
/// curve (finite, coordinates < p, canonical; an Ed25519 key must not be one of the
/// 8 small-order points, which would accept forged signatures), `status` `active`/`revoked`, `distid` (1–8191 bytes) only for SM2 (default
/// `1234567812345678`, GM/T 0009), no duplicate (`iss`, `kid`) pair and no duplicate
/// JSON object key. Unknown extra fields are ignored. Loading is not a hot path
/// (Foundation JSON); lookups are O(1).
public struct KeyRegistry: Sendable {
    private struct Name: Hashable, Sendable {
        let issuer: String
        let keyID: String
    }

    private let index: [Name: RegisteredKey]
    /// All entries in file order.
    public let keys: [RegisteredKey]

    /// Parses and validates a registry file's bytes.
    /// - Throws: `KeyRegistryError` naming the entry (index, iss/kid) and the problem.
    public init(json: [UInt8]) throws {
        if let dup = JSONDuplicateKeys.firstDuplicate(in: json) {
            throw KeyRegistryError(index: nil, problem: "duplicate JSON object key \"\(dup)\"")
        }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(json), options: [])
        } catch {
            throw KeyRegistryError(index: nil, problem: "not valid JSON")
        }
        guard let object = root as? [String: Any], let entries = object["keys"] as? [Any] else {
            throw KeyRegistryError(index: nil, problem: "top level must be an object with a \"keys\" array")
        }
        var index: [Name: RegisteredKey] = [:]
        var keys: [RegisteredKey] = []
        keys.reserveCapacity(entries.count)
        for (i, raw) in entries.enumerated() {
            let key = try Self.entry(i, raw)
            let name = Name(issuer: key.issuer, keyID: key.keyID)
            if index[name] != nil {
                throw KeyRegistryError(index: i, issuer: key.issuer, keyID: key.keyID,
                                       problem: "duplicate (iss, kid) pair")
            }
            index[name] = key
            keys.append(key)
        }
        self.index = index
        self.keys = keys
    }

    /// Reads and parses the registry file at `path`.
    /// - Throws: `KeyRegistryError` (also when the file cannot be read).
    public init(contentsOfFile path: String) throws {
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(path) } catch { throw KeyRegistryError(index: nil, problem: "\(error)") }
        try self.init(json: bytes)
    }

    /// The entry of (`iss`, `kid`), or nil (verdict `unknown_key`, spec §5 rule 2). O(1).
    public func key(issuer: String, keyID: String) -> RegisteredKey? {
        index[Name(issuer: issuer, keyID: keyID)]
    }

    private static func entry(_ i: Int, _ raw: Any) throws -> RegisteredKey {
        guard let e = raw as? [String: Any] else {
            throw KeyRegistryError(index: i, problem: "entry is not an object")
        }
        let iss = e["iss"] as? String
        let kid = e["kid"] as? String
        func fail(_ problem: String) -> KeyRegistryError {
            KeyRegistryError(index: i, issuer: iss, keyID: kid, problem: problem)
        }
        guard let iss, !iss.isEmpty else { throw fail("iss must be a non-empty string") }
        guard let kid, !kid.isEmpty else { throw fail("kid must be a non-empty string") }
        guard let algText = e["alg"] as? String else { throw fail("alg must be a string") }
        guard let alg = SignatureAlgorithm(rawValue: algText) else {
            throw fail("unknown alg \"\(algText)\" (expected SM2, ES256 or Ed25519)")
        }
        guard let statusText = e["status"] as? String else { throw fail("status must be a string") }
        guard let status = KeyStatus(rawValue: statusText) else {
            throw fail("status \"\(statusText)\" is not active or revoked")
        }
        var distid: String? = nil
        if let rawDistid = e["distid"] {
            guard alg == .sm2 else { throw fail("distid applies to SM2 keys only") }
            guard let d = rawDistid as? String, !d.utf8.isEmpty, d.utf8.count <= SM2Parameters.maxDistidBytes else {
                throw fail("distid must be a string of 1–\(SM2Parameters.maxDistidBytes) bytes")
            }
            distid = d
        }
        guard let hex = e["public_key"] as? String else { throw fail("public_key must be a hex string") }
        let expectedHex = alg == .ed25519 ? 64 : 130
        guard hex.utf8.count == expectedHex, let bytes = Hex.decode(hex) else {
            throw fail("public_key must be \(expectedHex) hex chars for \(alg.rawValue)")
        }
        if alg != .ed25519 && bytes[0] != 0x04 {
            throw fail("public_key must be an uncompressed point (04‖X‖Y)")
        }
        switch RegisteredKey.load(issuer: iss, keyID: kid, algorithm: alg, status: status,
                                  distid: distid, publicKey: bytes) {
        case .success(let key): return key
        case .failure(let problem): throw fail(problem.text)
        }
    }
}

/// Finds a duplicate key in any JSON object (spec §2 spirit; JSONSerialization keeps
/// the last silently). Assumes the text is otherwise JSON (syntax is checked after).
/// Keys are compared by their raw (escaped) text.
enum JSONDuplicateKeys {
    static func firstDuplicate(in json: [UInt8]) -> String? {
        var stack: [(isObject: Bool, keys: Set<[UInt8]>, expectKey: Bool)] = []
        var i = 0
        while i < json.count {
            let c = json[i]
            switch c {
            case UInt8(ascii: "{"): stack.append((true, [], true))
            case UInt8(ascii: "["): stack.append((false, [], false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if let top = stack.last, top.isObject { stack[stack.count - 1].expectKey = true }
            case UInt8(ascii: "\""):
                let start = i + 1
                i += 1
                while i < json.count && json[i] != UInt8(ascii: "\"") {
                    i += json[i] == UInt8(ascii: "\\") ? 2 : 1
                }
                if let top = stack.last, top.isObject, top.expectKey {
                    let key = Array(json[start..<min(i, json.count)])
                    if top.keys.contains(key) { return String(decoding: key, as: UTF8.self) }
                    stack[stack.count - 1].keys.insert(key)
                    stack[stack.count - 1].expectKey = false
                }
            default: break
            }
            i += 1
        }
        return nil
    }
}
