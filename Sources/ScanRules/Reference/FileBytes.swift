#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the small configuration files of the processor (the key registry, the scenario and
/// district tables) whole, and says why when it cannot: the operating system's reason
/// (`strerror`: "No such file or directory", "Permission denied", "Is a directory"), which
/// `FileManager.contents(atPath:)` drops. Blocking reads; call at start-up or on a reload.
public enum FileBytes {
    /// The whole file at `path`.
    /// - Throws: ``FileReadError`` naming the path and the reason.
    public static func read(_ path: String) throws(FileReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileReadError(path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileReadError(path: path, errno: errno) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw FileReadError(path: path, errno: EISDIR) }
        var out: [UInt8] = []
        out.reserveCapacity(Int(max(info.st_size, 0)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReadError(path: path, errno: errno)
            }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Why `path` cannot be read (see ``read(_:)``), or nil when it can be opened for reading
    /// and is not a directory. Reads nothing, and does not block on a FIFO (`O_NONBLOCK`).
    public static func problem(reading path: String) -> FileReadError? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return FileReadError(path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR { return FileReadError(path: path, errno: EISDIR) }
        return nil
    }
}

/// A file that could not be read: its path and the operating system's reason.
public struct FileReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path as given.
    public let path: String
    /// `strerror(errno)`, e.g. "No such file or directory".
    public let reason: String

    init(path: String, errno code: Int32) {
        self.path = path
        self.reason = String(cString: strerror(code))
    }

    /// `cannot read PATH: REASON`.
    public var description: String { "cannot read \(path): \(reason)" }
}

/// `read(2)` under a name that the static ``FileBytes/read(_:)`` does not shadow.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
