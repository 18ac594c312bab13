#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Holds the TCP ports of ``EmbeddedKafkaCluster``'s downed brokers, so that the brokers can
/// listen on them again.
///
/// librdkafka 2.0.2's mock broker closes its listener when it is set down and, when set up,
/// listens again on the same port — and aborts the process (`rdkafka_mock.c:2100`, "Failed to
/// create mock broker listener") when that port is taken. While a broker is down its port is
/// an ordinary free port of the ephemeral range: any connection of the process may get it as
/// its source port (a client retrying 127.0.0.1:port may even connect to itself), and a
/// long-lived one keeps it. Two test-run crashes were traced to this. So right after a broker
/// goes down its port is bound here (`SO_REUSEADDR`, never listening: connections to it are
/// refused, as to a down broker, and the kernel picks no source port that is bound), and
/// released just before the broker listens again.
///
/// Thread-safe (the descriptors are behind a `Mutex`); closes what it holds on deinit.
final class MockBrokerPorts: Sendable {
    /// The brokers' ports, index = broker id − 1 (the order of `bootstrap.servers`).
    private let ports: [UInt16]
    /// Brokers set down (index → the descriptor bound to its port, nil when it could not be bound).
    private let down = Mutex<[Int: Int32?]>([:])

    /// - Parameter bootstrapServers: the mock cluster's `127.0.0.1:port,…`, brokers 1…N in order.
    init(bootstrapServers: String) {
        ports = bootstrapServers.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { UInt16($0) } }
    }

    deinit { releaseAll() }

    /// Broker indexes of `id` (1-based; -1 = all); empty for an unknown id.
    private func indexes(_ id: Int32) -> [Int] {
        if id == -1 { return Array(ports.indices) }
        return id >= 1 && Int(id) <= ports.count ? [Int(id) - 1] : []
    }

    /// Binds the ports of broker `id` (-1 = all), whose listeners have just closed. A port
    /// that cannot be bound (taken in the microseconds since) is left to ``release(_:timeoutMs:)``.
    func hold(_ id: Int32) {
        down.withLock { down in
            for i in indexes(id) where down[i] == nil {
                down[i] = .some(Self.bindLoopback(port: ports[i]))
            }
        }
    }

    /// Frees the ports of the brokers of `id` (-1 = all) that were set down, for their listeners:
    /// closes the held ones and waits, up to `timeoutMs` milliseconds in 20 ms steps, for any
    /// other to become bindable. Brokers that are up are not waited for.
    /// - Returns: the ports still taken by another socket (the broker must not be set up).
    func release(_ id: Int32, timeoutMs: Int) -> [UInt16] {
        let wanted: [Int] = down.withLock { down in
            let mine = indexes(id).filter { down[$0] != nil }
            for i in mine { if let fd = down.removeValue(forKey: i) ?? nil { close(fd) } }
            return mine
        }
        var busy: [UInt16] = []
        for i in wanted where !Self.waitUntilBindable(port: ports[i], timeoutMs: timeoutMs) { busy.append(ports[i]) }
        return busy
    }

    /// Closes every held port.
    func releaseAll() {
        down.withLock { down in
            for case let fd? in down.values { close(fd) }
            down.removeAll()
        }
    }

    /// True once 127.0.0.1:`port` can be bound with `SO_REUSEADDR` (as the mock's listener
    /// binds), false after `timeoutMs` milliseconds.
    static func waitUntilBindable(port: UInt16, timeoutMs: Int) -> Bool {
        var waitedMs = 0
        while true {
            if let fd = bindLoopback(port: port) {
                close(fd)
                return true
            }
            if waitedMs >= timeoutMs { return false }
            usleep(20_000)
            waitedMs += 20
        }
    }

    /// A TCP socket bound (not listening) to 127.0.0.1:`port` (0: any free port), close-on-exec,
    /// with `SO_REUSEADDR` unless `reuseAddress` is false, or nil. A socket without
    /// `SO_REUSEADDR` (a client's) cannot bind beside one held here.
    static func bindLoopback(port: UInt16, reuseAddress: Bool = true) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        if reuseAddress { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        guard withLoopbackAddress(port: port, { bind(fd, $0, $1) }) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Calls `body` with the address 127.0.0.1:`port` (IPv4) and its length, for `bind(2)` or
    /// `connect(2)`.
    static func withLoopbackAddress<R>(port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
