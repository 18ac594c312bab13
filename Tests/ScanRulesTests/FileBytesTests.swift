import Foundation
import Testing
@testable import ScanRules

/// Configuration files are read whole, and a file that cannot be read is reported with the
/// operating system's reason (the `--keys`, `--scenarios` and `--districts` messages).
@Suite struct FileBytesTests {
    private func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "filebytes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func readsAWholeFileLongerThanOneChunk() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = (0..<200_001).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/f"))
        #expect(try FileBytes.read(dir + "/f") == bytes)
        try Data().write(to: URL(fileURLWithPath: dir + "/empty"))
        #expect(try FileBytes.read(dir + "/empty") == [])
        #expect(FileBytes.problem(reading: dir + "/f") == nil)
    }

    @Test func namesTheReason() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = dir + "/missing.json"
        #expect(throws: FileReadError.self) { try FileBytes.read(missing) }
        #expect(FileBytes.problem(reading: missing)?.description == "cannot read \(missing): No such file or directory")
        #expect(FileBytes.problem(reading: dir)?.description == "cannot read \(dir): Is a directory")
        do {
            _ = try FileBytes.read(dir)
            Issue.record("a directory was read")
        } catch {
            #expect(error.reason == "Is a directory")
        }
        // The key registry and the reference tables carry the reason on.
        #expect(throws: KeyRegistryError.self) { try KeyRegistry(contentsOfFile: missing) }
        do {
            _ = try KeyRegistry(contentsOfFile: missing)
        } catch {
            #expect("\(error)" == "key registry: cannot read \(missing): No such file or directory")
        }
        do {
            _ = try ReferenceData(scenariosFile: dir, districtsFile: nil)
            Issue.record("a directory was read as scenarios.csv")
        } catch let error as ReferenceDataError {
            #expect(error.message == "cannot read file: Is a directory")
            #expect(error.file == dir)
        }
    }
}
