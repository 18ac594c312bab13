import Testing
@testable import Aggregates

@Test func verdictNamesRoundTrip() {
    for v in Verdict.allCases { #expect(Verdict(name: v.name) == v) }
    #expect(Verdict.allCases.count == Verdict.count)
    #expect(MalformedReason.allCases.count == MalformedReason.count)
    #expect(Verdict(name: "nope") == nil)
}
