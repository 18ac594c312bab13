import Foundation
import Aggregates
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// Builders of minimal events for the decoding tests.
enum DecodingFixture {
    /// A fixed wall clock for tests, ms: 2026-11-21T00:30:04.421Z (the corpus's latest plausible scanned_at).
    static let nowMs: Int64 = 1_795_221_004_421
    static let scannedAt: Int64 = 1_795_221_000_000

    static func b64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static let defaultPayload = #"{"iss":"CQ-YKM","kid":"ykm-2026a","typ":"P","sub":"u0123456789ab","iat":1795220990,"exp":1795221050}"#
    static let signature: [UInt8] = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]

    static func code(payload: String = defaultPayload, signature: [UInt8] = signature) -> String {
        "YKM1." + b64url(Array(payload.utf8)) + "." + b64url(signature)
    }

    /// The JSON text of a valid `internet_cafe` event with `fields` replacing (or, with nil, removing) members.
    /// Values are raw JSON text.
    static func event(_ overrides: KeyValuePairs<String, String?> = [:]) -> String {
        var fields: [(String, String)] = [
            ("v", "1"), ("event_id", #""ev0000000001""#), ("scenario", #""internet_cafe""#),
            ("district", #""500101""#), ("terminal_id", #""T-500101-00001""#),
            ("scanned_at", String(scannedAt)), ("mode", #""scan""#), ("code", "\"\(code())\""),
            ("detail", #"{"venue_id":"VENU-1"}"#),
        ]
        for (k, v) in overrides {
            if let i = fields.firstIndex(where: { $0.0 == k }) {
                if let v { fields[i].1 = v } else { fields.remove(at: i) }
            } else if let v {
                fields.append((k, v))
            }
        }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static let decoder = EventDecoder(reference: .embedded)

    static func decode(_ text: String, nowMs: Int64 = nowMs) -> DecodeResult {
        decoder.decode(Array(text.utf8), nowMs: nowMs)
    }
}

extension DecodeResult {
    /// The reason of a malformed result, nil for an event.
    var reason: MalformedReason? {
        if case .malformed(let r, _) = self { return r }
        return nil
    }
    /// Whether a malformed result carries an attribution.
    var attributed: Bool? {
        if case .malformed(_, let a) = self { return a != nil }
        return nil
    }
    var event: ScanEvent? {
        if case .event(let e) = self { return e }
        return nil
    }
}
