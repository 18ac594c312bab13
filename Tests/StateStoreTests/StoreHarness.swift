import Foundation
import Testing
@testable import StateStore

/// The two implementations the behaviour suite runs against.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case inMemory
    case postgres
    var description: String { rawValue }
}

/// Backend-specific test hooks.
protocol StoreFixture: Sendable {
    /// Pretends a newer binary migrated the store to `version`.
    func setSchemaVersion(_ version: Int) async throws
}

struct InMemoryFixture: StoreFixture {
    let store: InMemoryStateStore
    func setSchemaVersion(_ version: Int) async throws { await store.setStoredSchemaVersion(version) }
}

struct PostgresFixture: StoreFixture {
    let store: PostgresStateStore
    func setSchemaVersion(_ version: Int) async throws {
        _ = try await store.executeSQL("INSERT INTO schema_version (version) VALUES (\(version)) RETURNING version::text")
    }
}

let postgresHelp = """
    PostgreSQL state store tests need a server. Start it with `pg_ctlcluster 15 main start` \
    (role `streamproc` password `streamproc`, database `streamproc_test`, CREATEDB), then set \
    STREAMPROC_TEST_POSTGRES=postgres://streamproc:streamproc@127.0.0.1:5432/streamproc_test
    """

/// The test server's location from `STREAMPROC_TEST_POSTGRES`, or nil after recording an issue.
func testPostgresLocation(sourceLocation: SourceLocation = #_sourceLocation) -> StoreLocation? {
    guard let url = ProcessInfo.processInfo.environment["STREAMPROC_TEST_POSTGRES"], !url.isEmpty else {
        Issue.record("STREAMPROC_TEST_POSTGRES is not set. \(postgresHelp)", sourceLocation: sourceLocation)
        return nil
    }
    do {
        var location = try StoreLocation(parsing: url)
        if url.range(of: "sslmode=") == nil { location.sslMode = .disable }
        return location
    } catch {
        Issue.record("STREAMPROC_TEST_POSTGRES is invalid: \(error). \(postgresHelp)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body` with a fresh, migrated-or-not store of `backend`. For PostgreSQL, a schema
/// `t_<random>` is created, used as `search_path` and dropped afterwards, so tests run in parallel.
/// An unset variable or an unreachable server fails the test (never a silent pass).
func withStore(_ backend: Backend, migrated: Bool = true,
               sourceLocation: SourceLocation = #_sourceLocation,
               _ body: (any StateStore, any StoreFixture) async throws -> Void) async throws {
    switch backend {
    case .inMemory:
        let store = InMemoryStateStore()
        if migrated { try await store.migrate() }
        try await body(store, InMemoryFixture(store: store))
    case .postgres:
        guard let admin = testPostgresLocation(sourceLocation: sourceLocation) else { return }
        let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await PostgresStateStore.withStore(location: admin, maxConnections: 1, operationTimeout: .seconds(10)) { adminStore in
            do {
                _ = try await adminStore.executeSQL("CREATE SCHEMA \(schema)")
            } catch {
                Issue.record("cannot reach the test PostgreSQL at \(admin): \(error). \(postgresHelp)", sourceLocation: sourceLocation)
                return
            }
            var location = admin
            location.schema = String(schema)
            do {
                try await PostgresStateStore.withStore(location: location, maxConnections: 4, operationTimeout: .seconds(20)) { store in
                    if migrated { try await store.migrate() }
                    try await body(store, PostgresFixture(store: store))
                }
            } catch {
                _ = try? await adminStore.executeSQL("DROP SCHEMA \(schema) CASCADE")
                throw error
            }
            _ = try await adminStore.executeSQL("DROP SCHEMA \(schema) CASCADE")
        }
    }
}

/// 2026-12-01T00:00:00Z in ms.
let day0Ms: Int64 = 1_796_083_200_000
