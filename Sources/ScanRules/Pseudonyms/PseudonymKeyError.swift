/// Why a pseudonym key file was refused (``PseudonymKey/init(contentsOfFile:)``). Messages
/// name the file and the problem, never the key bytes.
public enum PseudonymKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is missing or unreadable.
    case unreadable(path: String, reason: String)
    /// The file is not the JSON object `{"kid": …, "key": …}` (or has other members).
    case badFormat(path: String, problem: String)
    /// `kid` is not 1–64 characters of `[A-Za-z0-9._-]`.
    case badKeyID(path: String)
    /// `key` is not an even-length hex string.
    case badHex(path: String)
    /// `key` is shorter than ``PseudonymKey/minimumKeyBytes`` bytes.
    case tooShort(path: String, bytes: Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .badFormat(let path, let problem): "\(path): \(problem)"
        case .badKeyID(let path): "\(path): \"kid\" must be 1–64 characters of A–Z, a–z, 0–9, '.', '_', '-'"
        case .badHex(let path): "\(path): \"key\" must be hex (0–9, a–f, A–F), an even number of digits"
        case .tooShort(let path, let bytes):
            "\(path): \"key\" has \(bytes) bytes, at least \(PseudonymKey.minimumKeyBytes) are required (32 recommended)"
        }
    }
}
