import PostgresNIO

/// A PostgreSQL state store location parsed from `--store`:
/// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full][&schema=name]`
/// (`postgresql://` is accepted too; user, password and database are percent-decoded; port
/// defaults to 5432; an IPv6 host is written in brackets). `sslmode` follows libpq: `disable`,
/// `prefer` (default: TLS if the server offers it, no certificate check), `require` (TLS, no
/// certificate check), `verify-full` (TLS, certificate and host name checked). `schema` (not a
/// libpq parameter) sets the connection's `search_path`, so the tables live in that schema.
///
/// ``description`` never shows the password (it is replaced by `***`).
public struct StoreLocation: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// libpq's `sslmode` subset.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String
    public var sslMode: SSLMode
    /// If set, the connection's `search_path` (the tables are created and read there).
    public var schema: String?

    public init(user: String, password: String?, host: String, port: Int = 5432, database: String,
                sslMode: SSLMode = .prefer, schema: String? = nil) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.schema = schema
    }

    /// Parses a `postgres://` URL.
    /// - Throws: ``StoreError/invalidLocation(_:)`` naming the problem (the message never
    ///   contains the password).
    public init(parsing url: String) throws {
        func fail(_ why: String) -> StoreError { .invalidLocation(why) }
        var rest = Substring(url)
        if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else {
            throw fail("must start with postgres:// or postgresql://")
        }
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw fail("missing /database") }
        let databaseRaw = rest[rest.index(after: slash)...]
        let authority = rest[..<slash]
        guard let at = authority.lastIndex(of: "@") else { throw fail("missing user@ before the host") }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let userRaw: Substring
        var password: String? = nil
        if let colon = userInfo.firstIndex(of: ":") {
            userRaw = userInfo[..<colon]
            guard let p = Self.percentDecode(userInfo[userInfo.index(after: colon)...]) else {
                throw fail("the password is not valid percent-encoding")
            }
            password = p
        } else {
            userRaw = userInfo
        }
        guard let user = Self.percentDecode(userRaw), !user.isEmpty else { throw fail("missing user name") }

        var host: String
        var portText: Substring? = nil
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("unterminated [IPv6] host") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected text after ]") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
        }
        guard !host.isEmpty else { throw fail("missing host") }
        var port = 5432
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw fail("port '\(portText)' is not a number in 1...65535")
            }
            port = p
        }
        guard let database = Self.percentDecode(databaseRaw), !database.isEmpty else { throw fail("missing database name") }
        guard !database.contains("/") else { throw fail("database name must not contain '/'") }

        var sslMode = SSLMode.prefer
        var schema: String? = nil
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? Self.percentDecode(parts[1]) ?? "" : ""
            switch key {
            case "sslmode":
                guard let m = SSLMode(rawValue: value) else {
                    throw fail("sslmode '\(value)' is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                sslMode = m
            case "schema":
                guard !value.isEmpty else { throw fail("empty schema") }
                schema = value
            default:
                throw fail("unknown parameter '\(key)' (known: sslmode, schema)")
            }
        }
        self.init(user: user, password: password, host: host, port: port, database: database,
                  sslMode: sslMode, schema: schema)
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        var s = "postgres://\(user)"
        if password != nil { s += ":***" }
        let h = host.contains(":") ? "[\(host)]" : host
        s += "@\(h):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
        if let schema { s += "&schema=\(schema)" }
        return s
    }

    /// Same as ``description`` (password redacted).
    public var debugDescription: String { description }

    /// Mirrors the fields with the password replaced by `***`, so `dump` and `String(reflecting:)` stay safe.
    public var customMirror: Mirror {
        Mirror(self, children: ["user": user, "password": password == nil ? "nil" : "***", "host": host, "port": port,
                                "database": database, "sslMode": sslMode, "schema": schema as Any],
               displayStyle: .struct)
    }

    /// The connections' `application_name` (visible in `pg_stat_activity`):
    /// `streamproc-state`, or `streamproc-state/<schema>` when ``schema`` is set.
    public var applicationName: String {
        String(("streamproc-state" + (schema.map { "/" + $0 } ?? "")).prefix(63))
    }

    /// How long the server lets a session of the store sit idle inside a transaction before it
    /// ends the session (PostgreSQL's `idle_in_transaction_session_timeout`, **ms**), rolling the
    /// transaction back and releasing its row locks. A processor frozen in the middle of a commit
    /// (SIGSTOP, a paused VM: the zombie of issue 10) would otherwise keep its partitions' rows
    /// locked, and the next owner's claim would wait for as long as the zombie sleeps. A commit's
    /// statements follow each other within milliseconds, so a live processor never comes near it.
    public static let idleInTransactionTimeoutMs = 10_000

    /// The postgres-nio client configuration (TLS per `sslMode`, `search_path` per `schema`,
    /// 5 s connect timeout, ``applicationName``, ``idleInTransactionTimeoutMs``).
    public func clientConfiguration(maxConnections: Int = 4) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsConfiguration {
        case .none: tls = .disable
        case .some(let c): tls = sslMode == .prefer ? .prefer(c) : .require(c)
        }
        var config = PostgresClient.Configuration(host: host, port: port, username: user, password: password,
                                                  database: database, tls: tls)
        config.options.maximumConnections = max(1, maxConnections)
        config.options.connectTimeout = .seconds(5)
        config.options.additionalStartupParameters = startupParameters
        return config
    }

    /// The same settings for one connection outside the pool (``PostgresStateStore``'s
    /// diagnosis of a store that does not answer).
    /// - Throws: NIOSSL's error when the TLS context cannot be created.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsConfiguration {
        case .none: tls = .disable
        case .some(let c):
            let context = try NIOSSLContext(configuration: c)
            tls = sslMode == .prefer ? .prefer(context) : .require(context)
        }
        var config = PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                      database: database, tls: tls)
        config.options.connectTimeout = .seconds(5)
        config.options.additionalStartupParameters = startupParameters
        return config
    }

    /// TLS per `sslMode`: nil for `disable`; no certificate check for `prefer` and `require`
    /// (libpq's meaning), the system's trust roots and the host name for `verify-full`.
    private var tlsConfiguration: TLSConfiguration? {
        switch sslMode {
        case .disable:
            return nil
        case .prefer, .require:
            var c = TLSConfiguration.makeClientConfiguration()
            c.certificateVerification = .none
            return c
        case .verifyFull:
            return .makeClientConfiguration()
        }
    }

    private var startupParameters: [(String, String)] {
        var out = [("application_name", applicationName),
                   ("idle_in_transaction_session_timeout", String(Self.idleInTransactionTimeoutMs))]
        if let schema { out.append(("search_path", schema)) }
        return out
    }

    private static func percentDecode(_ s: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                bytes.append(hv << 4 | lv)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
