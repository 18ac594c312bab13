import CLibcrypto
import Crypto
import Foundation

/// Ed25519 (RFC 8032 §5.1.7) via swift-crypto, strict: S must be < L (checked here
/// explicitly, independent of the backend). Signatures are exactly 64 bytes.
package final class Ed25519Verifier: SignatureVerifier {
    private let key: Curve25519.Signing.PublicKey

    /// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    package static let orderLE: [UInt8] = [
        0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    ]

    /// Loads a 32-byte public key; nil unless it is the canonical encoding of a curve
    /// point (RFC 8032 §5.1.3) that is not of small order (`Ed25519SmallOrder`:
    /// swift-crypto checks only the length, and a small-order key admits forgeries).
    init?(publicKey: [UInt8]) {
        guard publicKey.count == 32,
              publicKey.withUnsafeBufferPointer({ streamproc_ed25519_point_valid($0.baseAddress) }) == 1,
              Ed25519SmallOrder.order(of: publicKey) == nil,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return nil }
        self.key = key
    }

    func checkEncoding(_ signature: [UInt8]) -> Bool {
        signature.count == 64
    }

    func verify(message: [UInt8], signature: [UInt8]) -> SignatureCheck {
        guard signature.count == 64 else { return .badEncoding }
        guard Self.scalarIsCanonical(signature) else { return .invalid }
        return key.isValidSignature(signature, for: message) ? .valid : .invalid
    }

    /// S = signature[32..<64] (little-endian) < L.
    static func scalarIsCanonical(_ signature: [UInt8]) -> Bool {
        var i = 31
        while i >= 0 {
            let s = signature[32 + i], l = orderLE[i]
            if s < l { return true }
            if s > l { return false }
            i -= 1
        }
        return false  // S == L
    }
}
