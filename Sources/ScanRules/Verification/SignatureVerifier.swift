/// Per-key verification state behind a `RegisteredKey` (internal).
protocol SignatureVerifier: Sendable {
    /// Strict form check only (spec §3).
    func checkEncoding(_ signature: [UInt8]) -> Bool
    /// Full verification over the exact `message` bytes; thread-safe.
    func verify(message: [UInt8], signature: [UInt8]) -> SignatureCheck
}
