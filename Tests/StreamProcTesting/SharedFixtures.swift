import Foundation

/// Locates `../shared` (spec, corpus, vectors, reference data) beside the
/// repository root. CI lays a copy of `shared/` next to its fresh clone.
/// `STREAMPROC_SHARED` overrides the location.
public enum SharedFixtures {
    /// Absolute path of the shared folder, e.g. `/work/shared`.
    public static let root: String = {
        if let env = ProcessInfo.processInfo.environment["STREAMPROC_SHARED"] { return env }
        // #filePath = <repo>/Tests/StreamProcTests/SharedFixtures.swift
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared").path
    }()

    /// The bytes of `shared/<relative>`; the test fails with a clear message when absent.
    public static func data(_ relative: String) throws -> Data {
        let path = root + "/" + relative
        guard let d = FileManager.default.contents(atPath: path) else {
            throw FixtureMissing(path: path)
        }
        return d
    }

    /// Lines of a text file under `shared/`, without their newline (an empty last line is dropped).
    public static func lines(_ relative: String) throws -> [Data] {
        let d = try data(relative)
        var out: [Data] = []
        var start = d.startIndex
        for i in d.indices where d[i] == 0x0A {
            out.append(d[start..<i]); start = i + 1
        }
        if start < d.endIndex { out.append(d[start..<d.endIndex]) }
        return out
    }

    public struct FixtureMissing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "shared fixture missing: \(path) (set STREAMPROC_SHARED)" }
    }
}
