import Testing
@testable import StateStore

@Suite struct StoreLocationTests {
    @Test func parsesAFullURL() throws {
        let l = try StoreLocation(parsing: "postgres://streamproc:s3cr%40t@db.example.org:6543/bureau?sslmode=require&schema=prod")
        #expect(l == StoreLocation(user: "streamproc", password: "s3cr@t", host: "db.example.org", port: 6543,
                                   database: "bureau", sslMode: .require, schema: "prod"))
    }

    @Test func defaultsPortSSLModeAndNoPassword() throws {
        let l = try StoreLocation(parsing: "postgresql://reader@127.0.0.1/streamproc_test")
        #expect(l == StoreLocation(user: "reader", password: nil, host: "127.0.0.1", port: 5432,
                                   database: "streamproc_test", sslMode: .prefer, schema: nil))
        #expect(l.description == "postgres://reader@127.0.0.1:5432/streamproc_test?sslmode=prefer")
    }

    @Test func parsesIPv6AndAnEmptyPassword() throws {
        let l = try StoreLocation(parsing: "postgres://u:@[::1]:5433/db?sslmode=disable")
        #expect(l.host == "::1")
        #expect(l.port == 5433)
        #expect(l.password == "")
        #expect(l.sslMode == .disable)
        #expect(l.description == "postgres://u:***@[::1]:5433/db?sslmode=disable")
    }

    @Test func descriptionRedactsThePassword() throws {
        let l = try StoreLocation(parsing: "postgres://streamproc:hunter2@127.0.0.1:5432/streamproc_test?sslmode=verify-full")
        #expect(l.password == "hunter2")
        #expect(l.description == "postgres://streamproc:***@127.0.0.1:5432/streamproc_test?sslmode=verify-full")
        #expect(!"\(l)".contains("hunter2"))
        #expect(!String(reflecting: l).contains("hunter2"))
        var dumped = ""
        dump(l, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(dumped.contains("***"))
    }

    @Test(arguments: [
        ("mysql://u:p@h/db", "must start with postgres://"),
        ("postgres://u:p@h", "missing /database"),
        ("postgres://u:p@h/", "missing database name"),
        ("postgres://h/db", "missing user@"),
        ("postgres://:pw@h/db", "missing user name"),
        ("postgres://u:pw@/db", "missing host"),
        ("postgres://u:pw@h:99999/db", "port '99999' is not a number"),
        ("postgres://u:pw@h:abc/db", "port 'abc' is not a number"),
        ("postgres://u:pw@h/db?sslmode=maybe", "sslmode 'maybe' is not one of"),
        ("postgres://u:pw@h/db?timeout=3", "unknown parameter 'timeout'"),
        ("postgres://u:p%zz@h/db", "password is not valid percent-encoding"),
        ("postgres://u:pw@[::1/db", "unterminated [IPv6] host"),
    ])
    func rejectsBadURLsNamingTheProblem(_ url: String, _ problem: String) {
        #expect {
            _ = try StoreLocation(parsing: url)
        } throws: { error in
            guard case StoreError.invalidLocation(let why) = error else { return false }
            return why.contains(problem) && !"\(error)".contains("pw")
        }
    }

    @Test func unreachableServerIsUnavailableNotAHang() async throws {
        // Port 1 on loopback refuses connections.
        let location = StoreLocation(user: "u", password: "topsecret", host: "127.0.0.1", port: 1, database: "db",
                                     sslMode: .disable)
        try await PostgresStateStore.withStore(location: location, operationTimeout: .seconds(2)) { store in
            await #expect {
                _ = try await store.claim(topic: "t", partition: 0, owner: "a")
            } throws: { error in
                guard let e = error as? StoreError, e.isTransient else { return false }
                return !"\(e)".contains("topsecret")
            }
        }
    }
}
