import Aggregates
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import LiveView

/// A blocking TCP client on 127.0.0.1 for what an HTTP client library will not do
/// (send half a request).
final class RawSocket: @unchecked Sendable {
    let fd: Int32

    /// Connects to 127.0.0.1:`port`; reads give up after `receiveTimeoutS`.
    init(port: Int, receiveTimeoutS: Int) throws {
        #if canImport(Glibc)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EBADF) }
        var tv = timeval(tv_sec: receiveTimeoutS, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        // No close here: deinit runs for a class whose init throws once every property is set,
        // and a second close(2) could hit a descriptor another test has opened since.
        guard rc == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) -> Int {
        Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Reads until the peer closes (returns what was read, `closed: true`), or the
    /// receive timeout passes (`closed: false`).
    func readUntilClosed() -> (bytes: [UInt8], closed: Bool) {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { all += buffer[0..<n]; continue }
            return (all, n == 0)
        }
    }

    /// ``readUntilClosed()`` on a thread of its own: a blocking `recv` must not occupy a
    /// thread of Swift's cooperative pool (other tests' servers and clients need them).
    func readUntilClosedOffPool() async -> (bytes: [UInt8], closed: Bool) {
        await withCheckedContinuation { c in
            let t = Thread { c.resume(returning: self.readUntilClosed()) }
            t.start()
        }
    }

    deinit { if fd >= 0 { close(fd) } }
}

/// Issue 12 item 4: slow clients are dropped after the read timeout.
@Suite("HTTP read timeout")
struct HTTPTimeoutTests {
    func app(readTimeoutMs: Int64) -> LiveViewServer.App {
        LiveViewServer.makeApplication(
            source: FixedLiveViewSource(), metrics: StreamProcMetrics(startTimeMs: 0),
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, readTimeoutMs: readTimeoutMs))
    }

    @Test func halfARequestHeadIsClosedAfterTheTimeout() async throws {
        try await app(readTimeoutMs: 500).test(.live) { client in
            let port = try #require(client.port)
            // The receive timeout (5 s) is the failure case: the server must close first.
            let socket = try RawSocket(port: port, receiveTimeoutS: 5)
            #expect(socket.send("GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") > 0)
            let (bytes, closed) = await socket.readUntilClosedOffPool()
            #expect(closed, "the server kept a half-sent request open")
            #expect(bytes.isEmpty, "no response to a request never finished")
        }
    }

    @Test func aStalledBodyIsClosedAfterTheTimeout() async throws {
        try await app(readTimeoutMs: 500).test(.live) { client in
            let port = try #require(client.port)
            let socket = try RawSocket(port: port, receiveTimeoutS: 5)
            #expect(socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc") > 0)
            let (_, closed) = await socket.readUntilClosedOffPool()
            #expect(closed, "the server kept a stalled body open")
        }
    }

    @Test func aCompleteRequestIsAnsweredThenTheIdleConnectionClosed() async throws {
        try await app(readTimeoutMs: 500).test(.live) { client in
            let port = try #require(client.port)
            let socket = try RawSocket(port: port, receiveTimeoutS: 5)
            #expect(socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") > 0)
            let (bytes, closed) = await socket.readUntilClosedOffPool()
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.hasSuffix(#"{"status":"ok"}"#))
            #expect(closed, "an idle keep-alive connection outlived the timeout")
        }
    }
}
