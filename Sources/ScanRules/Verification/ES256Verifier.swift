import Crypto
import Foundation

/// ECDSA P-256 with SHA-256 (FIPS 186-4) via swift-crypto, after our strict DER parse
/// (spec §3). r, s outside [1, n−1] → `.invalid`; high s is valid.
final class ES256Verifier: SignatureVerifier {
    private let key: P256.Signing.PublicKey

    /// Loads the uncompressed point `04‖X‖Y` (65 bytes); nil when it is not on P-256.
    init?(publicPoint: [UInt8]) {
        guard publicPoint.count == 65, publicPoint[0] == 0x04,
              let key = try? P256.Signing.PublicKey(x963Representation: publicPoint) else { return nil }
        self.key = key
    }

    func checkEncoding(_ signature: [UInt8]) -> Bool {
        DERSignature.isStrictDER(signature)
    }

    func verify(message: [UInt8], signature: [UInt8]) -> SignatureCheck {
        switch DERSignature.parse(signature, order: DERSignature.p256Order) {
        case .badEncoding: return .badEncoding
        case .outOfRange: return .invalid
        case .scalars(let r, let s):
            let raw = DERSignature.raw32(signature, r: r, s: s)
            guard let sig = try? P256.Signing.ECDSASignature(rawRepresentation: raw) else { return .invalid }
            return key.isValidSignature(sig, for: message) ? .valid : .invalid
        }
    }
}
