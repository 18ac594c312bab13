import Foundation
import Testing
@testable import StreamProc
import ScanRules
import StreamProcTesting

/// Issue 12's small configuration gaps: a bounded `--clock-skew-ms`, an empty key registry
/// refused unless allowed, a bad `--topics` regex naming the flag.
@Suite struct ConfigurationGapsTests {
    static func message(_ c: PipelineConfiguration) -> String? {
        var c = c
        do { try c.validate() } catch let e as ConfigurationError { return e.message } catch { return "\(error)" }
        return nil
    }

    @Test func clockSkewIsBounded() {
        var c = PipelineConfiguration()
        for ok: Int64 in [0, 30_000, 300_000] {
            c.policy.clockSkewMs = ok
            #expect(Self.message(c) == nil, "\(ok)")
        }
        c.policy.clockSkewMs = 300_001
        #expect(Self.message(c) == "--clock-skew-ms (STREAMPROC_CLOCK_SKEW_MS): 300001 is not in 0…300000 ms")
        c.policy.clockSkewMs = -1
        #expect(Self.message(c) == "--clock-skew-ms (STREAMPROC_CLOCK_SKEW_MS): -1 is not in 0…300000 ms")
        c.policy.clockSkewMs = .max
        #expect(Self.message(c)?.hasPrefix("--clock-skew-ms (STREAMPROC_CLOCK_SKEW_MS): 9223372036854775807 ") == true)
    }

    @Test func badTopicRegexNamesTheFlag() {
        var c = PipelineConfiguration()
        c.topics = ["^ykm\\.(scans|other).*"]
        #expect(Self.message(c) == nil)
        c.topics = ["^ykm.(scans"]
        let m = Self.message(c)
        #expect(m?.hasPrefix("--topics (STREAMPROC_TOPICS): bad regex ^ykm.(scans: ") == true, "\(m ?? "nil")")
        c.topics = ["^ykm.*", "other"]
        #expect(Self.message(c) == "--topics (STREAMPROC_TOPICS): a ^regex subscription (^ykm.*) must be the only entry")
    }

    @Test func emptyRegistryIsAConfigurationErrorUnlessAllowed() throws {
        let empty = try KeyRegistry(json: Array(#"{"keys":[]}"#.utf8))
        var c = PipelineConfiguration()
        c.keysPath = "/etc/streamproc/keys.json"
        #expect {
            try MainJob.requireKeys(empty, configuration: c)
        } throws: { error in
            let m = (error as? ConfigurationError)?.message ?? ""
            return m.hasPrefix("--keys (STREAMPROC_KEYS) /etc/streamproc/keys.json: the registry has no keys")
                && m.contains("--allow-empty-keys")
        }
        c.allowEmptyRegistry = true
        try MainJob.requireKeys(empty, configuration: c)
        c.allowEmptyRegistry = false
        try MainJob.requireKeys(try KeyRegistry(contentsOfFile: PipelineTestSupport.keysPath), configuration: c)
    }

    /// The executable: an empty registry exits 64 (usage) naming the flag, before connecting
    /// to anything (the brokers here do not exist).
    @Test(.timeLimit(.minutes(1)))
    func executableExits64OnAnEmptyRegistryAndABadSkew() async throws {
        let exe = try ProcessHarness.binary("streamproc")
        let dir = try ProcessHarness.tempDir("emptykeys")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keys = dir + "/keys.json"
        try Data(#"{"keys":[]}"#.utf8).write(to: URL(fileURLWithPath: keys))
        let port = try ProcessHarness.freePort()
        let base = ["run", "--brokers", "127.0.0.1:1", "--keys", keys, "--http", "127.0.0.1:\(port)", "--summary-s", "0"]
        let empty = try await ProcessHarness.run(exe, base, timeoutS: 30, check: false)
        #expect(empty.status == 64)
        #expect(empty.stderr.contains("--keys (STREAMPROC_KEYS) \(keys): the registry has no keys"), "\(empty.stderr)")
        let skew = try await ProcessHarness.run(exe, base + ["--clock-skew-ms", "86400000"], timeoutS: 30, check: false)
        #expect(skew.status == 64)
        #expect(skew.stderr.contains("--clock-skew-ms (STREAMPROC_CLOCK_SKEW_MS): 86400000 is not in 0…300000 ms"), "\(skew.stderr)")
        let regex = try await ProcessHarness.run(exe, base + ["--topics", "^a(b"], timeoutS: 30, check: false)
        #expect(regex.status == 64)
        #expect(regex.stderr.contains("--topics (STREAMPROC_TOPICS): bad regex ^a(b"), "\(regex.stderr)")
    }
}
