import Foundation
import Logging
import Testing
@testable import LiveView
#if canImport(Glibc)
import Glibc
#endif

/// ``LiveViewService``: a server that cannot bind names `--http`'s address and the OS reason.
@Suite("Live view service")
struct LiveViewServiceTests {
    @Test("a taken port fails with LiveViewServerError naming the address and the reason")
    func takenPortIsNamed() async throws {
        // A listening socket on a free loopback port, held for the test.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                bind(fd, p, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, p, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port)
        let logger = Logger(label: "test.liveview")
        let app = LiveViewServer.makeApplication(source: FixedLiveViewSource(), metrics: StreamProcMetrics(startTimeMs: 0),
                                                 configuration: configuration, logger: logger)
        let service = LiveViewService(app: app, configuration: configuration, logger: logger)
        let error = await #expect(throws: LiveViewServerError.self) { try await service.run() }
        #expect(error?.port == port)
        #expect(error?.reason == "Address already in use")
        #expect(error?.description == "--http (STREAMPROC_HTTP) 127.0.0.1:\(port): cannot serve: Address already in use")
    }
}
