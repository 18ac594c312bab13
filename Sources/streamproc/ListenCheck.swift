import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checks at start that the live view's `HOST:PORT` can be bound, by binding and closing
/// a socket, so that a port in use is a configuration error naming `--http` before any
/// cluster or pipeline starts.
enum ListenCheck {
    /// - Throws: `ValidationError` naming `--http (STREAMPROC_HTTP)`, the address and the OS reason.
    static func require(_ address: String) throws {
        guard let colon = address.lastIndex(of: ":"), let port = UInt16(address[address.index(after: colon)...]) else { return }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        if port == 0 { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 || listen(fd, 1) != 0 {
            let reason = String(cString: strerror(errno))
            throw ValidationError("--http (STREAMPROC_HTTP): cannot listen on \(address): \(reason); give a free HOST:PORT")
        }
    }
}
