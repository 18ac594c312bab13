import Foundation

/// The secret key that turns a code's subject into a stable pseudonym for the
/// verified-events topic (issue 13 item 2).
///
/// Key file (JSON, UTF-8), exactly two members:
///
/// ```json
/// {"kid": "psn-2026a", "key": "<hex, at least 32 digits (16 bytes); 64 digits (32 bytes) recommended>"}
/// ```
///
/// `kid` (1–64 characters of `[A-Za-z0-9._-]`) is written with every record as
/// `pseudonym_key_id`, so consumers know which key made a pseudonym when the key is rotated.
/// Generate a key with `printf '{"kid":"psn-2026a","key":"%s"}\n' "$(openssl rand -hex 32)"`;
/// keep the file readable by the processor only (mode 0400).
///
/// The pseudonym of (`iss`, `sub`) is the lowercase hex of
/// HMAC-SM3(key, UTF-8(iss) ‖ 0x00 ‖ UTF-8(sub)) (``HMACSM3``): 64 hex digits. The 0x00
/// separator keeps (`"a"`, `"bc"`) and (`"ab"`, `"c"`) apart (unambiguous while issuer ids,
/// which come from the key registry, contain no NUL).
/// Without the key a pseudonym cannot be linked back to the subject; with the same key the
/// same subject always has the same pseudonym.
///
/// The key never appears in `description`, `debugDescription`, reflection or errors.
/// Immutable and `Sendable`: share one instance between all workers.
public struct PseudonymKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The shortest key accepted, in bytes.
    public static let minimumKeyBytes = 16

    /// The key id (`kid`).
    public let keyID: String
    /// The key bytes (never logged).
    private let key: [UInt8]

    /// A key from its id and bytes. Throws ``PseudonymKeyError`` `.badKeyID` or `.tooShort`
    /// (with `source` as the path).
    public init(keyID: String, key: [UInt8], source: String = "<inline>") throws {
        guard Self.isValidKeyID(keyID) else { throw PseudonymKeyError.badKeyID(path: source) }
        guard key.count >= Self.minimumKeyBytes else {
            throw PseudonymKeyError.tooShort(path: source, bytes: key.count)
        }
        self.keyID = keyID
        self.key = key
    }

    /// Parses the key file's text (format above). Throws ``PseudonymKeyError`` naming `source`.
    public init(parsing text: String, source: String = "<inline>") throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw PseudonymKeyError.badFormat(path: source, problem: "expected a JSON object {\"kid\": …, \"key\": …}")
        }
        let extra = Set(object.keys).subtracting(["kid", "key"])
        guard extra.isEmpty else {
            throw PseudonymKeyError.badFormat(path: source, problem: "unknown member \"\(extra.sorted()[0])\"")
        }
        guard let kid = object["kid"] as? String else {
            throw PseudonymKeyError.badFormat(path: source, problem: "missing string \"kid\"")
        }
        guard let hex = object["key"] as? String else {
            throw PseudonymKeyError.badFormat(path: source, problem: "missing string \"key\"")
        }
        guard let bytes = Hex.decode(hex) else { throw PseudonymKeyError.badHex(path: source) }
        try self.init(keyID: kid, key: bytes, source: source)
    }

    /// Reads and parses the key file at `path`. Throws ``PseudonymKeyError``.
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw PseudonymKeyError.unreadable(path: path, reason: reason)
        }
        try self.init(parsing: String(decoding: data, as: UTF8.self), source: path)
    }

    /// The pseudonym of `subject` issued by `issuer`: lowercase hex (64 digits) of
    /// HMAC-SM3(key, UTF-8(issuer) ‖ 0x00 ‖ UTF-8(subject)). Thread-safe.
    public func pseudonym(issuer: String, subject: String) -> String {
        var message = Array(issuer.utf8)
        message.append(0)
        message.append(contentsOf: subject.utf8)
        return Hex.encode(HMACSM3.mac(key: key, message: message))
    }

    /// The pseudonym of a decoded code's subject (``Subject`` keeps `sub` out of logs).
    public func pseudonym(issuer: String, subject: Subject) -> String {
        pseudonym(issuer: issuer, subject: subject.rawValue)
    }

    public var description: String { "PseudonymKey(kid: \(keyID), key: ***)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["keyID": keyID], displayStyle: .struct) }

    static func isValidKeyID(_ kid: String) -> Bool {
        let utf8 = kid.utf8
        return (1...64).contains(utf8.count) && utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
