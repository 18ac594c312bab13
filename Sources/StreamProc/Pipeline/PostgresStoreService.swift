import ServiceLifecycle
import StateStore

/// Runs a ``PostgresStateStore``'s connection pool as a service of the main job's group.
/// Listed before the pipeline, so graceful shutdown stops it after the pipeline's last commit.
struct PostgresStoreService: Service {
    let store: PostgresStateStore

    func run() async throws {
        await cancelWhenGracefulShutdown { await store.run() }
    }
}
