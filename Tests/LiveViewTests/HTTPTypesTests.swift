import Aggregates
import Foundation
import Testing

@testable import LiveView
import Aggregates

@Suite("HTTP types")
struct HTTPTypesTests {
    @Test func configurationDefaultsToLoopback8080() {
        let c = HTTPServerConfiguration()
        #expect(c.host == "127.0.0.1")
        #expect(c.port == 8080)
        #expect(c.description == "127.0.0.1:8080")
    }

    @Test(arguments: [
        ("127.0.0.1:9000", "127.0.0.1", 9000),
        ("localhost:80", "localhost", 80),
        (":8081", "127.0.0.1", 8081),
        ("[::1]:8080", "::1", 8080),
        ("0.0.0.0:0", "0.0.0.0", 0),
        (" example.internal:65535 ", "example.internal", 65535),
    ])
    func configurationParses(text: String, host: String, port: Int) throws {
        // insecure: the non-loopback rows need it (HTTPServerAccessTests covers the rule).
        let c = try HTTPServerConfiguration(parsing: text, insecure: true)
        #expect(c.host == host)
        #expect(c.port == port)
    }

    @Test func configurationRejects() {
        #expect(throws: HTTPServerConfiguration.ParseError.missingPort("localhost")) {
            try HTTPServerConfiguration(parsing: "localhost")
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badPort("h:65536")) {
            try HTTPServerConfiguration(parsing: "h:65536")
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badPort("h:-1")) {
            try HTTPServerConfiguration(parsing: "h:-1")
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badPort("h:")) {
            try HTTPServerConfiguration(parsing: "h:")
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badHost("::1:8080")) {
            try HTTPServerConfiguration(parsing: "::1:8080")
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badHost("[::1")) {
            try HTTPServerConfiguration(parsing: "[::1")
        }
        #expect(throws: HTTPServerConfiguration.ParseError.badPort("h:８０")) {
            try HTTPServerConfiguration(parsing: "h:８０")
        }
    }

    @Test func viewWindowDurations() {
        #expect(ViewWindow.allCases.map(\.rawValue) == ["1m", "5m", "15m", "1h", "24h"])
        #expect(ViewWindow.allCases.map(\.durationMs) == [60_000, 300_000, 900_000, 3_600_000, 86_400_000])
        #expect(ViewWindow(rawValue: "7m") == nil)
    }

    @Test func perVerdictEncodesEveryVerdictByName() throws {
        var p = PerVerdict<UInt64>()
        p[.valid] = 7
        p[.malformed] = 2
        #expect(p.total == 9)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(p), as: UTF8.self)
        #expect(json == #"{"duplicate":0,"expired":0,"invalid_signature":0,"malformed":2,"not_yet_valid":0,"revoked_key":0,"unknown_key":0,"valid":7}"#)
        let back = try JSONDecoder().decode(PerVerdict<UInt64>.self, from: Data(#"{"valid":3,"bogus":9}"#.utf8))
        #expect(back[.valid] == 3)
        #expect(back.total == 3)
    }

    @Test func countsRowOmitsAbsentKeysAndComputesTotal() throws {
        var pv = PerVerdict<UInt64>()
        pv[.duplicate] = 4
        pv[.valid] = 6
        let row = CountsRow(scenario: "bank", district: "500105", byVerdict: pv)
        #expect(row.total == 10)
        let o = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(row)) as? [String: Any])
        #expect(Set(o.keys) == ["scenario", "district", "total", "late", "by_verdict"])
    }
}
