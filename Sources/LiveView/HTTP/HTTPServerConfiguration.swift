import Aggregates
import Foundation

/// Where and how the live-view HTTP server listens (issue 12 items 4 and 5).
///
/// Defaults to loopback (`127.0.0.1:8080`), no token, a 5 s read timeout.
///
/// Access rule: a non-loopback bind (anything but `localhost`, `127.0.0.0/8`
/// and `::1`, so also `0.0.0.0` and `::`) needs bearer tokens (`--http-token-file`)
/// or an explicit `--http-insecure`; ``init(parsing:tokenFile:insecure:readTimeoutMs:)``
/// and ``validate()`` reject anything else. With tokens, every route except the
/// probes `/healthz` and `/readyz` and the static dashboard page `/` needs
/// `Authorization: Bearer <token>` (RFC 6750 §2.1); tokens apply on any bind when given.
public struct HTTPServerConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address to bind (IPv6 without brackets, e.g. `::1`).
    public var host: String
    /// TCP port, 0…65535; 0 lets the OS pick one.
    public var port: Int
    /// Accepted bearer tokens (several allow rotation); empty means no token is asked.
    /// Compared in constant time (``BearerTokenMiddleware``).
    public var tokens: [String]
    /// Serve a non-loopback bind without tokens (`--http-insecure`); the server logs a
    /// loud warning at start (``insecureWarning``).
    public var insecure: Bool
    /// Read timeout in milliseconds (> 0): a connection that has not delivered a complete
    /// request head (or, mid-body, any body part) for this long, or that stays idle this
    /// long between requests, is closed. Hummingbird's HTTP/1 idle timeout.
    public var readTimeoutMs: Int64

    /// Memberwise; call ``validate()`` before serving (the parsing initializer does).
    public init(host: String = "127.0.0.1", port: Int = 8080, tokens: [String] = [],
                insecure: Bool = false, readTimeoutMs: Int64 = 5_000) {
        self.host = host
        self.port = port
        self.tokens = tokens
        self.insecure = insecure
        self.readTimeoutMs = readTimeoutMs
    }

    /// Why an address, a token file or a combination was rejected. Each description
    /// names what to change (the address, `--http-token-file` or `--http-insecure`).
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        /// No `:PORT` part, or an empty host before it (other than `:PORT`).
        case missingPort(String)
        /// The port is not a decimal integer in 0…65535.
        case badPort(String)
        /// A `[` without its `]`, or text between `]` and `:`.
        case badHost(String)
        /// The token file could not be read: path, reason.
        case tokenFileUnreadable(String, String)
        /// The token file holds no token (only blank and `#` lines): path.
        case tokenFileEmpty(String)
        /// A line of the token file is not a token of 16…4096 RFC 6750 `b64token`
        /// characters: path, 1-based line number (the token itself is never printed).
        case badToken(String, Int)
        /// A non-loopback host without tokens and without `insecure`: host.
        case nonLoopbackWithoutToken(String)
        /// Both a token file and `--http-insecure` were given.
        case tokenAndInsecure
        /// The read timeout is not > 0 ms.
        case badReadTimeout(Int64)

        public var description: String {
            switch self {
            case .missingPort(let s): "address '\(s)' lacks ':PORT'"
            case .badPort(let s): "address '\(s)' has no port in 0...65535"
            case .badHost(let s): "address '\(s)' has a malformed host"
            case .tokenFileUnreadable(let p, let why): "--http-token-file: cannot read '\(p)': \(why)"
            case .tokenFileEmpty(let p): "--http-token-file: '\(p)' holds no token (one token per line; blank and # lines are skipped)"
            case .badToken(let p, let line):
                "--http-token-file: '\(p)' line \(line) is not a token of 16...4096 characters A-Z a-z 0-9 - . _ ~ + / (then optional =)"
            case .nonLoopbackWithoutToken(let h):
                "binding the non-loopback address '\(h)' needs --http-token-file FILE (bearer tokens) or, knowingly, --http-insecure"
            case .tokenAndInsecure: "give either --http-token-file or --http-insecure, not both"
            case .badReadTimeout(let ms): "the HTTP read timeout must be > 0 ms, got \(ms)"
            }
        }
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (host stays `127.0.0.1`), reads the
    /// token file if given, and validates the combination (``validate()``).
    ///
    /// - Parameters:
    ///   - text: the `--http` address.
    ///   - tokenFile: `--http-token-file`: one token per line, surrounding blanks trimmed,
    ///     blank lines and lines starting with `#` skipped; read once, here.
    ///   - insecure: `--http-insecure`.
    ///   - readTimeoutMs: see ``readTimeoutMs``.
    /// - Throws: ``ParseError`` naming the flag at fault.
    public init(parsing text: String, tokenFile: String? = nil, insecure: Bool = false,
                readTimeoutMs: Int64 = 5_000) throws(ParseError) {
        let s = Self.trimBlanks(text)
        var host: Substring
        var portText: Substring
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { throw .badHost(text) }
            host = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            guard rest.hasPrefix(":") else {
                throw rest.isEmpty ? .missingPort(text) : .badHost(text)
            }
            portText = rest.dropFirst()
            if host.isEmpty { throw .badHost(text) }
        } else {
            guard let colon = s.lastIndex(of: ":") else { throw .missingPort(text) }
            host = s[..<colon]
            portText = s[s.index(after: colon)...]
            if host.contains(":") { throw .badHost(text) }  // bare IPv6 needs brackets
        }
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portText), port <= 65535
        else { throw .badPort(text) }
        var tokens: [String] = []
        if let tokenFile { tokens = try Self.readTokens(path: tokenFile) }
        if tokenFile != nil && insecure { throw .tokenAndInsecure }
        self.init(host: host.isEmpty ? "127.0.0.1" : String(host), port: port, tokens: tokens,
                  insecure: insecure, readTimeoutMs: readTimeoutMs)
        try validate()
    }

    /// Checks the access rule (a non-loopback ``host`` needs ``tokens`` or ``insecure``)
    /// and the read timeout.
    ///
    /// - Throws: ``ParseError/nonLoopbackWithoutToken(_:)``, ``ParseError/badReadTimeout(_:)``.
    public func validate() throws(ParseError) {
        if readTimeoutMs <= 0 { throw .badReadTimeout(readTimeoutMs) }
        if !isLoopback && tokens.isEmpty && !insecure { throw .nonLoopbackWithoutToken(host) }
    }

    /// True for `localhost`, an IPv4 address in `127.0.0.0/8` and `::1`.
    public var isLoopback: Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { p in !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isNumber) && Int(p)! <= 255 }
    }

    /// True when requests to protected routes must carry a bearer token: tokens were
    /// given, or the bind is non-loopback and not ``insecure`` (then, with no token to
    /// match, every protected request is refused: fail closed if ``validate()`` was skipped).
    public var requiresToken: Bool { !tokens.isEmpty || (!isLoopback && !insecure) }

    /// The warning to log (and print) at start when a non-loopback address is served
    /// without tokens, else `nil`.
    public var insecureWarning: String? {
        guard !isLoopback, tokens.isEmpty, insecure else { return nil }
        return "INSECURE: --http-insecure serves \(description) to the network WITHOUT authentication: "
            + "anyone who can reach it reads the live counts and metrics; use --http-token-file instead"
    }

    /// Reads a token file (format in ``init(parsing:tokenFile:insecure:readTimeoutMs:)``).
    static func readTokens(path: String) throws(ParseError) -> [String] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .tokenFileUnreadable(path, (error as NSError).localizedDescription)
        }
        var tokens: [String] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard BearerToken.isToken(line.utf8) else { throw .badToken(path, i + 1) }
            tokens.append(line)
        }
        if tokens.isEmpty { throw .tokenFileEmpty(path) }
        return tokens
    }

    private static func trimBlanks(_ text: String) -> Substring {
        var sub = text[...]
        while let f = sub.first, f == " " || f == "\t" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub = sub.dropLast() }
        return sub
    }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
