import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

/// Strict unpadded base64url (RFC 4648 §5), spec v1 §3.
@Suite struct DecodingBase64URLTests {
    @Test(arguments: [
        ("", [] as [UInt8]),
        ("Zg", Array("f".utf8)),
        ("Zm8", Array("fo".utf8)),
        ("Zm9v", Array("foo".utf8)),
        ("Zm9vYg", Array("foob".utf8)),
        ("Zm9vYmE", Array("fooba".utf8)),
        ("Zm9vYmFy", Array("foobar".utf8)),
        ("-_8", [0xFB, 0xFF]),
        ("__-A", [0xFF, 0xFF, 0x80]),
    ])
    func rfc4648Vectors(_ text: String, _ bytes: [UInt8]) {
        #expect(Base64URL.decode(text) == bytes)
    }

    @Test(arguments: [
        "Zg==",     // padding
        "Zm8=",     // padding
        "Zh",       // non-zero unused bits (2 chars: low 4 bits)
        "Zm9",      // non-zero unused bits (3 chars: low 2 bits)
        "Z",        // length 1 mod 4
        "Zm9vY",    // length 1 mod 4
        "+/8",      // standard alphabet
        "Zm 9v",    // whitespace
        "Zm9v\n",   // newline
        "Zm9.",     // dot
        "Zm9ö",     // non-ASCII
    ])
    func rejected(_ text: String) {
        #expect(Base64URL.decode(text) == nil)
    }

    @Test func allByteValuesRoundTrip() {
        let bytes = (0...255).map { UInt8($0) }
        for n in 0...bytes.count {
            let slice = Array(bytes.prefix(n))
            #expect(Base64URL.decode(DecodingFixture.b64url(slice)) == slice)
        }
    }
}
