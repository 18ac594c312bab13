import Aggregates
/// Where the live-view HTTP server listens. Defaults to loopback
/// (`127.0.0.1:8080`): the server binds all interfaces only when told to
/// (`0.0.0.0:8080`).
public struct HTTPServerConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address to bind (IPv6 without brackets, e.g. `::1`).
    public var host: String
    /// TCP port, 0…65535; 0 lets the OS pick one.
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }

    /// Why an address string was rejected by ``init(parsing:)``.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        /// No `:PORT` part, or an empty host before it (other than `:PORT`).
        case missingPort(String)
        /// The port is not a decimal integer in 0…65535.
        case badPort(String)
        /// A `[` without its `]`, or text between `]` and `:`.
        case badHost(String)

        public var description: String {
            switch self {
            case .missingPort(let s): "address '\(s)' lacks ':PORT'"
            case .badPort(let s): "address '\(s)' has no port in 0...65535"
            case .badHost(let s): "address '\(s)' has a malformed host"
            }
        }
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (host stays `127.0.0.1`).
    ///
    /// - Throws: ``ParseError`` for anything else.
    public init(parsing text: String) throws(ParseError) {
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
        self.init(host: host.isEmpty ? "127.0.0.1" : String(host), port: port)
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
