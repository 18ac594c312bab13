import Aggregates
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import LiveView

/// Issue 12 item 4: bearer tokens for non-loopback binds, parsed and validated in
/// `HTTPServerConfiguration`, enforced by `BearerTokenMiddleware`.
@Suite("HTTP access: tokens, loopback rule")
struct HTTPServerAccessTests {
    static let token = "s3cr3t-Token_0123456789abcdef"
    static let other = "another-token-ABCDEFGHIJKLMNOP"

    static func tokenFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("streamproc-tokens-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["0.0.0.0:8080", "[::]:8080", "10.1.2.3:80", "example.internal:8080"])
    func nonLoopbackWithoutTokenOrInsecureIsRefusedNamingBothFlags(address: String) throws {
        let error = #expect(throws: HTTPServerConfiguration.ParseError.self) {
            try HTTPServerConfiguration(parsing: address)
        }
        let host = try HTTPServerConfiguration(parsing: address, insecure: true).host
        #expect(error == .nonLoopbackWithoutToken(host))
        #expect(error?.description.contains("--http-token-file") == true)
        #expect(error?.description.contains("--http-insecure") == true)
    }

    @Test(arguments: ["127.0.0.1:8080", "127.9.9.9:1", "localhost:8080", "[::1]:8080", ":9090"])
    func loopbackNeedsNothing(address: String) throws {
        let c = try HTTPServerConfiguration(parsing: address)
        #expect(c.isLoopback)
        #expect(!c.requiresToken)
        #expect(c.insecureWarning == nil)
    }

    @Test func insecureNonLoopbackIsAllowedWithALoudWarning() throws {
        let c = try HTTPServerConfiguration(parsing: "0.0.0.0:8080", insecure: true)
        #expect(!c.requiresToken)
        let warning = try #require(c.insecureWarning)
        #expect(warning.hasPrefix("INSECURE"))
        #expect(warning.contains("0.0.0.0:8080"))
        #expect(warning.contains("--http-token-file"))
    }

    @Test func tokenFileIsReadSkippingBlankAndCommentLines() throws {
        let path = try Self.tokenFile("# rotated 2026-12-01\n\n  \(Self.token)  \n\(Self.other)\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try HTTPServerConfiguration(parsing: "0.0.0.0:8443", tokenFile: path)
        #expect(c.tokens == [Self.token, Self.other])
        #expect(c.requiresToken)
        #expect(c.insecureWarning == nil)
    }

    @Test func tokenFileErrorsNameTheFlag() throws {
        let missing = "/nonexistent/streamproc-tokens"
        let unreadable = #expect(throws: HTTPServerConfiguration.ParseError.self) {
            try HTTPServerConfiguration(parsing: "0.0.0.0:1", tokenFile: missing)
        }
        #expect(unreadable?.description.hasPrefix("--http-token-file: cannot read '\(missing)'") == true)
        let empty = try Self.tokenFile("# nothing\n\n")
        let short = try Self.tokenFile("\(Self.token)\nshort\n")
        let badChar = try Self.tokenFile("has space in it but is long\n")
        defer { for p in [empty, short, badChar] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(throws: HTTPServerConfiguration.ParseError.tokenFileEmpty(empty)) {
            try HTTPServerConfiguration(parsing: "0.0.0.0:1", tokenFile: empty)
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badToken(short, 2)) {
            try HTTPServerConfiguration(parsing: "0.0.0.0:1", tokenFile: short)
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badToken(badChar, 1)) {
            try HTTPServerConfiguration(parsing: "0.0.0.0:1", tokenFile: badChar)
        }
        // The token never appears in the message.
        #expect(!HTTPServerConfiguration.ParseError.badToken(short, 2).description.contains("short"))
        let good = try Self.tokenFile(Self.token)
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(throws: HTTPServerConfiguration.ParseError.tokenAndInsecure) {
            try HTTPServerConfiguration(parsing: "0.0.0.0:1", tokenFile: good, insecure: true)
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badReadTimeout(0)) {
            try HTTPServerConfiguration(parsing: "127.0.0.1:1", readTimeoutMs: 0)
        }
    }

    @Test func bearerHeaderParsing() {
        #expect(BearerToken.parse(authorization: "Bearer \(Self.token)") == Array(Self.token.utf8))
        #expect(BearerToken.parse(authorization: "bearer   \(Self.token) ") == Array(Self.token.utf8))
        #expect(BearerToken.parse(authorization: "Basic \(Self.token)") == nil)
        #expect(BearerToken.parse(authorization: "Bearer") == nil)
        #expect(BearerToken.parse(authorization: "Bearer ") == nil)
        #expect(BearerToken.parse(authorization: "Bearer a b c d e f g h i j k") == nil)
        #expect(BearerToken.parse(authorization: "Bearer\(Self.token)") == nil)
        #expect(BearerToken.isToken(Array("abcDEF0123456789+/==".utf8)))
        #expect(!BearerToken.isToken(Array("abcDEF0123456789=/=a".utf8)))
        #expect(!BearerToken.isToken(Array("================".utf8)))
    }

    @Test func constantTimeMatchAcceptsOnlyExactTokens() {
        let accepted = [Array(Self.token.utf8), Array(Self.other.utf8)]
        #expect(BearerToken.matches(Array(Self.token.utf8), accepted: accepted))
        #expect(BearerToken.matches(Array(Self.other.utf8), accepted: accepted))
        #expect(!BearerToken.matches(Array(Self.token.dropLast().utf8), accepted: accepted))
        #expect(!BearerToken.matches(Array((Self.token + "x").utf8), accepted: accepted))
        var flipped = Array(Self.token.utf8)
        flipped[flipped.count - 1] ^= 1
        #expect(!BearerToken.matches(flipped, accepted: accepted))
        // A prefix repeated to the expected length must not match (the index wraps).
        #expect(!BearerToken.matches(Array("s3cr3t".utf8), accepted: accepted))
        #expect(!BearerToken.matches([], accepted: accepted))
        #expect(!BearerToken.matches(Array(Self.token.utf8), accepted: []))
    }

    func app(_ configuration: HTTPServerConfiguration) -> LiveViewServer.App {
        LiveViewServer.makeApplication(
            source: FixedLiveViewSource(), metrics: StreamProcMetrics(startTimeMs: 0), configuration: configuration)
    }

    @Test func protectedRoutesNeedTheTokenProbesAndPageDoNot() async throws {
        let c = HTTPServerConfiguration(host: "0.0.0.0", port: 0, tokens: [Self.token, Self.other])
        try await app(c).test(.router) { client in
            for path in ["/api/v1/counts", "/api/v1/status", "/metrics", "/api/v1/nope"] {
                try await client.execute(uri: path, method: .get) { res in
                    #expect(res.status == .unauthorized, "\(path)")
                    #expect(res.headers[.wwwAuthenticate] == #"Bearer realm="streamproc""#)
                    let e = try JSONDecoder().decode(APIError.self, from: Data(buffer: res.body))
                    #expect(e.error == "unauthorized")
                }
                try await client.execute(uri: path, method: .get,
                                         headers: [.authorization: "Bearer wrong-token-0123456789"]) { res in
                    #expect(res.status == .unauthorized, "\(path)")
                }
                try await client.execute(uri: path, method: .get,
                                         headers: [.authorization: "Bearer \(Self.other)"]) { res in
                    #expect(res.status == (path == "/api/v1/nope" ? .notFound : .ok), "\(path)")
                }
            }
            for path in ["/healthz", "/readyz", "/"] {
                try await client.execute(uri: path, method: .get) { res in
                    #expect(res.status == .ok, "\(path)")
                }
            }
        }
    }

    @Test func misconfiguredNonLoopbackFailsClosed() async throws {
        // Built without validate(): no token to match, so every protected route is refused.
        let c = HTTPServerConfiguration(host: "0.0.0.0", port: 0)
        #expect(c.requiresToken)
        try await app(c).test(.router) { client in
            try await client.execute(uri: "/api/v1/status", method: .get) { res in
                #expect(res.status == .unauthorized)
            }
            try await client.execute(uri: "/healthz", method: .get) { res in
                #expect(res.status == .ok)
            }
        }
    }

    @Test func dashboardScriptSendsTheFragmentToken() {
        #expect(DashboardPage.html.contains(#"Authorization: "Bearer " + TOKEN"#))
        #expect(DashboardPage.html.contains("sessionStorage"))
    }
}
