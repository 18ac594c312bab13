import Aggregates
/// The JSON body of an API error response (4xx/5xx):
/// `{"error":"bad_request","message":"view must be one of 1m, 5m, 15m, 1h, 24h"}`.
public struct APIError: Codable, Sendable, Equatable, Error {
    /// A stable machine-readable code, e.g. `"bad_request"`.
    public var error: String
    /// A human-readable explanation.
    public var message: String

    public init(error: String, message: String) {
        self.error = error
        self.message = message
    }
}
