import Foundation

/// Reads a processor's `GET /api/v1/status` over a loopback TCP connection (HTTP/1.1,
/// `Connection: close`), in-process: polling every 100 ms spawns no `curl` on the cores
/// being measured. Only the fields `bench drain` and `bench soak` use are decoded.
///
/// ``countedEvents()`` reads `/metrics` instead: its `streamproc_events_total` counters move after
/// every batch, while the status is published at most every 0.5 s and after a drain's last batch
/// only at the next commit tick (up to 1 s later), too coarse to time a 10 s drain.
struct StatusProbe {
    /// The part of `/api/v1/status` the benchmarks read.
    struct Status: Decodable {
        /// Events given a verdict since the processor started.
        let events_total: UInt64
        /// Assigned input partitions (empty until the group assignment and restore are done).
        let partitions: [Partition]
        /// One assigned partition; its fields are not needed.
        struct Partition: Decodable {}
    }

    /// The processor's `--http` port on 127.0.0.1.
    let port: UInt16

    /// The decoded status, nil while the server is not up or on any error.
    func fetch() -> Status? {
        guard let body = get("/api/v1/status") else { return nil }
        return try? JSONDecoder().decode(Status.self, from: body)
    }

    /// Σ `streamproc_events_total{verdict=…}` of `/metrics` (events given a verdict), nil on any error.
    func countedEvents() -> UInt64? {
        guard let body = get("/metrics") else { return nil }
        return Self.eventsTotal(metrics: String(decoding: body, as: UTF8.self))
    }

    /// Counted events (as ``countedEvents()``) and `streamproc_heap_in_use_bytes` of one `/metrics`
    /// read; either is nil when absent or on any error.
    func countedEventsAndHeap() -> (events: UInt64?, heapBytes: Int?) {
        guard let body = get("/metrics") else { return (nil, nil) }
        let text = String(decoding: body, as: UTF8.self)
        return (Self.eventsTotal(metrics: text), Self.gauge("streamproc_heap_in_use_bytes", metrics: text).map { Int($0) })
    }

    /// The value of an unlabelled sample `name N` of a Prometheus text exposition, nil when absent.
    static func gauge(_ name: String, metrics: String) -> Double? {
        for line in metrics.split(separator: "\n") where line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    /// The sum of the `streamproc_events_total{…} N` samples of a Prometheus text exposition; nil when there is none.
    static func eventsTotal(metrics: String) -> UInt64? {
        var sum: UInt64?
        for line in metrics.split(separator: "\n") where line.hasPrefix("streamproc_events_total{") {
            guard let value = line.split(separator: " ").last, let n = Double(value) else { continue }
            sum = (sum ?? 0) + UInt64(n)
        }
        return sum
    }

    /// The body of a 200 response to `GET path`, nil otherwise (2 s send/receive timeouts).
    private func get(_ path: String) -> Data? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        return Self.body(ofResponse: response)
    }

    /// The body of a raw `HTTP/1.1 200` response with a Content-Length (or read to the end);
    /// nil for another status or a chunked body.
    static func body(ofResponse response: [UInt8]) -> Data? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator })
        else { return nil }
        let head = String(decoding: response[0..<end], as: UTF8.self).lowercased()
        guard head.hasPrefix("http/1.1 200") || head.hasPrefix("http/1.0 200"),
              !head.contains("transfer-encoding: chunked") else { return nil }
        return Data(response[(end + 4)...])
    }
}
