import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The live view's ``LiveViewServer/App`` as a service of the main job's `ServiceGroup`.
///
/// A server that cannot serve (the `--http` port was taken in the moment after the start-up
/// check, or the address went away) fails with ``LiveViewServerError``, which names the address
/// and the OS reason, and is logged at once at error level — the group then stops the other
/// services gracefully, which can take seconds (a pipeline draining), and only the last line of
/// the process would otherwise say why. Threading: `run()` runs on the group's task.
public struct LiveViewService: Service {
    private let app: LiveViewServer.App
    private let configuration: HTTPServerConfiguration
    private let logger: Logger

    /// - Parameters:
    ///   - app: from ``LiveViewServer/makeApplication(source:readiness:metrics:configuration:logger:onServerRunning:)``.
    ///   - configuration: the same configuration, for the address in errors.
    public init(app: LiveViewServer.App, configuration: HTTPServerConfiguration, logger: Logger) {
        self.app = app
        self.configuration = configuration
        self.logger = logger
    }

    /// Serves until graceful shutdown.
    /// - Throws: ``LiveViewServerError`` when the server fails to bind or serve.
    public func run() async throws {
        do {
            try await app.run()
        } catch let error as IOError {
            let failure = LiveViewServerError(host: configuration.host, port: configuration.port,
                                              reason: String(cString: strerror(error.errnoCode)))
            logger.error("live view server failed; shutting down", metadata: ["error": "\(failure)"])
            throw failure
        }
    }
}

/// The live view server could not serve on its address (``LiveViewService``).
public struct LiveViewServerError: Error, CustomStringConvertible {
    /// `--http`'s host.
    public var host: String
    /// `--http`'s port.
    public var port: Int
    /// The OS's reason, e.g. `Address already in use`.
    public var reason: String

    /// `--http (STREAMPROC_HTTP) HOST:PORT: cannot serve: REASON`.
    public var description: String {
        "--http (STREAMPROC_HTTP) \(host.contains(":") ? "[\(host)]" : host):\(port): cannot serve: \(reason)"
    }
}
