import Testing
@testable import StreamProc

@Suite("Output sends in flight")
struct InFlightOutputsTests {
    @Test("counts records and sends; takes the oldest first, then all")
    func countsAndOrder() async throws {
        var outputs = InFlightOutputs()
        #expect(outputs.sends == 0 && outputs.records == 0)
        let tasks = (0..<3).map { i in Task<Void, any Error> { if i == 1 { throw CancellationError() } } }
        outputs.append(records: 5, tasks[0])
        outputs.append(records: 7, tasks[1])
        outputs.append(records: 11, tasks[2])
        #expect(outputs.sends == 3 && outputs.records == 23)

        let first = outputs.removeFirst()
        try await first.value  // tasks[0] succeeds
        #expect(outputs.sends == 2 && outputs.records == 18)

        let rest = outputs.takeAll()
        #expect(rest.count == 2)
        await #expect(throws: CancellationError.self) { try await rest[0].value }  // tasks[1], in order
        try await rest[1].value
        #expect(outputs.sends == 0 && outputs.records == 0)

        // Emptied by removeFirst as well, and reusable.
        outputs.append(records: 2, Task {})
        _ = outputs.removeFirst()
        #expect(outputs.sends == 0 && outputs.records == 0)
        outputs.append(records: 4, Task {})
        #expect(outputs.sends == 1 && outputs.records == 4)
    }
}
