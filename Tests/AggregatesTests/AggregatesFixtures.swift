import Foundation

/// Locates `../shared` beside the repository (same rule as StreamProcTests' SharedFixtures;
/// `STREAMPROC_SHARED` overrides).
enum AggregatesFixtures {
    static let root: String = {
        if let env = ProcessInfo.processInfo.environment["STREAMPROC_SHARED"] { return env }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared").path
    }()

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "shared fixture missing: \(path) (set STREAMPROC_SHARED)" }
    }

    static func data(_ relative: String) throws -> Data {
        let path = root + "/" + relative
        guard let d = FileManager.default.contents(atPath: path) else { throw Missing(path: path) }
        return d
    }

    /// Lines split on LF (byte-wise; lines may be invalid UTF-8), last empty line dropped.
    static func lines(_ relative: String) throws -> [Data] {
        let d = try data(relative)
        var out: [Data] = []
        var start = d.startIndex
        for i in d.indices where d[i] == 0x0A { out.append(d[start..<i]); start = i + 1 }
        if start < d.endIndex { out.append(d[start..<d.endIndex]) }
        return out
    }

    /// Column 0 of a CSV file under `shared/data` (the `id`/`code`; quoted commas only occur
    /// in later columns), header dropped.
    static func firstColumn(_ relative: String) throws -> [String] {
        try lines(relative).dropFirst().compactMap { line in
            let s = String(decoding: line, as: UTF8.self)
            guard let f = s.split(separator: ",", omittingEmptySubsequences: false).first, !f.isEmpty else { return nil }
            return String(f)
        }
    }
}
