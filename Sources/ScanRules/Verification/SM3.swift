import CLibcrypto

/// SM3 hash (GB/T 32905-2016) via OpenSSL libcrypto's SM3 implementation.
public enum SM3 {
    /// The SM3 implementation fetched once (an implicit `EVP_sm3()` fetch per init is slower).
    nonisolated(unsafe) static let md: OpaquePointer? = streamproc_fetch_sm3()

    /// The 32-byte SM3 digest of `bytes`. Returns an empty array only if
    /// libcrypto lacks SM3 (an environment fault, never input-dependent).
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        hash(bytes, [])
    }

    /// SM3(a ‖ b), 32 bytes (empty array if libcrypto lacks SM3); e.g. e = SM3(ZA ‖ M)
    /// of GB/T 32918.2 §6.1 without concatenating.
    public static func hash(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        guard let md, let mctx = EVP_MD_CTX_new() else { return [] }
        defer { EVP_MD_CTX_free(mctx) }
        var out = [UInt8](repeating: 0, count: 32)
        let ok = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    streamproc_sm3_2(mctx, md, pa.baseAddress, pa.count, pb.baseAddress, pb.count, po.baseAddress)
                }
            }
        }
        return ok == 1 ? out : []
    }
}
