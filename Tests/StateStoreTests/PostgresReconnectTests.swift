import Testing
import Dispatch
import Synchronization
import Logging
import PostgresNIO
@testable import StateStore

/// PostgreSQL-only: broken connections surface as `.unavailable` and the store reconnects.
@Suite struct PostgresReconnectTests {
    @Test func reconnectsAfterTheServerDropsItsConnections() async throws {
        try await withStore(.postgres) { store, _ in
            let pg = try #require(store as? PostgresStateStore)
            let first = try await pg.claim(topic: "t", partition: 0, owner: "a")
            #expect(first.epoch == 1)
            // Kill this store's connections from another store (same role may signal its own backends).
            var admin = pg.location
            admin.schema = nil
            let app = pg.location.applicationName
            let killed = try await PostgresStateStore.withStore(location: admin, maxConnections: 1) { adminStore in
                try await adminStore.executeSQL("""
                    SELECT count(pg_terminate_backend(pid))::text FROM pg_stat_activity WHERE application_name = '\(app)'
                    """)
            }
            #expect(Int(killed.first ?? "0") ?? 0 >= 1)
            // The next calls either succeed on a fresh connection or throw `.unavailable`; within a few
            // retries the store is back, and the epoch continues from the stored row.
            var epoch: Int64? = nil
            for _ in 0..<5 where epoch == nil {
                do {
                    epoch = try await pg.claim(topic: "t", partition: 0, owner: "a").epoch
                } catch let error as StoreError {
                    #expect(error.isTransient, "unexpected \(error)")
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            #expect(epoch == 2)
        }
    }

    /// A zombie owner frozen inside a transaction that locked its partition's row (SIGSTOP in the
    /// middle of a commit) must not block the next owner's claim for as long as it sleeps: the
    /// store's sessions carry `idle_in_transaction_session_timeout`, so the server ends the frozen
    /// session and the claim goes through after about that long (well within the store's 20 s
    /// operation timeout here; without the setting the claim times out as `unavailable`).
    @Test func aFrozenOwnerInsideATransactionDoesNotBlockTheNextClaim() async throws {
        try await withStore(.postgres) { store, _ in
            let pg = try #require(store as? PostgresStateStore)
            #expect(try await pg.executeSQL("SHOW idle_in_transaction_session_timeout") == ["10s"])
            #expect(try await pg.claim(topic: "t", partition: 0, owner: "zombie").epoch == 1)
            // The zombie: a session of the same configuration that locks the row and then idles.
            let zombie = PostgresClient(configuration: pg.location.clientConfiguration(maxConnections: 1),
                                        backgroundLogger: Logger(label: "test.zombie"))
            let driver = Task { await zombie.run() }
            final class Flag: Sendable { let value = Atomic<Bool>(false) }
            let locked = Flag()
            let frozen = Task {
                try await zombie.withConnection { conn in
                    _ = try await conn.query("BEGIN", logger: Logger(label: "test.zombie"))
                    _ = try await conn.query("SELECT epoch FROM partition_state WHERE topic = 't' AND partition = 0 FOR UPDATE",
                                             logger: Logger(label: "test.zombie"))
                    locked.value.store(true, ordering: .relaxed)
                    try await Task.sleep(for: .seconds(120))  // frozen, its transaction open
                }
            }
            defer { frozen.cancel(); driver.cancel() }
            for _ in 0..<100 where !locked.value.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(50)) }
            let didLock = locked.value.load(ordering: .relaxed)
            #expect(didLock, "the zombie session locked the row")
            let t0 = ContinuousClock.now
            let claim = try await pg.claim(topic: "t", partition: 0, owner: "next")
            let waited = ContinuousClock.now - t0
            #expect(claim.epoch == 2)
            // It did wait for the lock (so the test saw the zombie hold it), and not much longer
            // than the server's timeout.
            #expect(waited >= .seconds(5) && waited < .seconds(19), "claim waited \(waited)")
        }
    }

    /// The health probe the pipeline runs when it has nothing to commit answers on a live server
    /// and reports a server that does not listen as transient (`unavailable`).
    @Test func pingAnswersAndANonListeningServerIsUnavailable() async throws {
        try await withStore(.postgres) { store, _ in try await store.ping() }
        let dead = try StoreLocation(parsing: "postgres://u:p@127.0.0.1:1/db?sslmode=disable")
        let error = await #expect(throws: StoreError.self) {
            try await PostgresStateStore.withStore(location: dead, operationTimeout: .seconds(2)) { try await $0.ping() }
        }
        #expect(error?.isTransient == true, "\(String(describing: error))")
    }

    /// A server that refuses every login makes the pool retry silently; the call that times out
    /// names the server's reason (its SQLSTATE and message), not only the timeout. It stays
    /// transient (a running pipeline keeps retrying until the role or database is fixed) and is
    /// marked `isRefusedLogin` (a pipeline whose store never answered fails at startup).
    @Test(arguments: [("password", "28P01", "password authentication failed"),
                      ("database", "3D000", "does not exist")])
    func aRefusedLoginIsReportedWithTheServersReason(wrong: String, sqlState: String, text: String) async throws {
        guard var location = testPostgresLocation() else { return }
        if wrong == "password" { location.password = "not-the-password-\(UInt32.random(in: 0...UInt32.max))" }
        else { location.database = "streamproc_no_such_db" }
        let error = await #expect(throws: StoreError.self) {
            try await PostgresStateStore.withStore(location: location, maxConnections: 1, operationTimeout: .seconds(3)) {
                try await $0.ping()
            }
        }
        guard case .unavailable(let underlying)? = error else {
            Issue.record("expected unavailable, got \(String(describing: error))")
            return
        }
        let refused = try #require(underlying as? ConnectionRefused, "\(underlying)")
        #expect(error?.isTransient == true)
        #expect(error?.isRefusedLogin == true)
        #expect(refused.sqlState == sqlState)
        #expect(refused.message.contains(text), "\(refused.message)")
        if wrong == "password", let password = location.password { #expect(!"\(error!)".contains(password)) }
    }

    /// The operation timeout does not wait for a body that ignores cancellation (a query on a
    /// connection to a crashed server): the caller gets `unavailable` while the body still runs.
    @Test func deadlineDoesNotWaitForABodyThatIgnoresCancellation() async throws {
        let finished = Mutex(false)
        let error = await #expect(throws: StoreError.self) {
            try await PostgresStateStore.withDeadline(.milliseconds(200)) { () async throws -> Int in
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + 3) { c.resume() }
                }
                finished.withLock { $0 = true }
                return 1
            }
        }
        #expect(finished.withLock { $0 } == false, "the deadline waited for the body")
        #expect(error?.isTransient == true)
        let value = try await PostgresStateStore.withDeadline(.seconds(5)) { 42 }
        #expect(value == 42)
    }
}
