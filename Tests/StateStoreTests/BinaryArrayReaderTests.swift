import NIOCore
import Testing
@testable import StateStore

@Suite struct BinaryArrayReaderTests {
    private func array(oid: UInt32, _ elements: [[UInt8]]) -> ByteBuffer {
        var b = ByteBuffer()
        b.writeInteger(Int32(1), endianness: .big)     // ndim
        b.writeInteger(Int32(0), endianness: .big)     // no nulls
        b.writeInteger(oid, endianness: .big)
        b.writeInteger(Int32(elements.count), endianness: .big)
        b.writeInteger(Int32(1), endianness: .big)     // lower bound
        for e in elements {
            b.writeInteger(Int32(e.count), endianness: .big)
            b.writeBytes(e)
        }
        return b
    }

    @Test func readsTextAndInt8Arrays() {
        let text = array(oid: 25, [Array("valid".utf8), Array("invalid_signature".utf8), Array("valid".utf8), []])
        #expect(BinaryArrayReader.strings(text) == ["valid", "invalid_signature", "valid", ""])
        let ints = array(oid: 20, [-1, 1_796_083_200_000].map { v in
            var b = ByteBuffer(); b.writeInteger(Int64(v), endianness: .big); return Array(b.readableBytesView)
        })
        #expect(BinaryArrayReader.int64s(ints) == [-1, 1_796_083_200_000])
    }

    @Test func rejectsTruncatedOrNullElements() {
        var truncated = array(oid: 25, [Array("scn-01".utf8)])
        truncated.moveWriterIndex(to: truncated.writerIndex - 2)
        #expect(BinaryArrayReader.strings(truncated) == nil)
        var withNull = array(oid: 20, [])
        withNull.moveWriterIndex(to: withNull.writerIndex - 8)  // rewrite the size: one NULL element
        withNull.writeInteger(Int32(1), endianness: .big)
        withNull.writeInteger(Int32(1), endianness: .big)
        withNull.writeInteger(Int32(-1), endianness: .big)
        #expect(BinaryArrayReader.int64s(withNull) == nil)
        #expect(BinaryArrayReader.int64s(array(oid: 20, [[1, 2, 3]])) == nil)  // wrong element width
    }
}
