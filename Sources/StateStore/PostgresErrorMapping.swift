import PostgresNIO

/// Maps postgres-nio errors to ``StoreError`` (transient ones to ``StoreError/unavailable(_:)``).
enum PostgresErrorMapping {
    static func map(_ error: any Error) -> any Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        case let t as PostgresTransactionError:
            if let e = t.closureError ?? t.beginError ?? t.commitError { return map(e) }
            return StoreError.unavailable(t)
        case let p as PSQLError:
            return map(p)
        default:
            // Connection set-up failures (refused, DNS, TLS handshake, timeouts) and channel errors.
            return StoreError.unavailable(error)
        }
    }

    private static func map(_ p: PSQLError) -> any Error {
        switch p.code {
        case .server:
            let state = p.serverInfo?[.sqlState] ?? "?????"
            let message = p.serverInfo?[.message] ?? ""
            let db = StoreError.database(sqlState: state, message: message)
            if state == "42P01" { return StoreError.notMigrated }
            if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P")
                || state == "40001" || state == "40P01" {
                return StoreError.unavailable(db)
            }
            return db
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection,
             .poolClosed, .queryCancelled, .sslUnsupported, .failedToAddSSLHandler:
            return StoreError.unavailable(p)
        default:
            return StoreError.database(sqlState: "client", message: "\(p.code)")
        }
    }
}
