#if canImport(Glibc)
import Glibc
#endif

/// CPU-side time spent per stage while judging, summed over workers, in
/// **nanoseconds** of the monotonic clock.
public struct JudgeTiming: Sendable, Equatable {
    /// Decoding (JSON, fields, code, payload): spec §1–§3, §6.
    public var decodeNs: UInt64 = 0
    /// Key lookup, signature form, verification and lifetime rules: spec §3–§5.
    public var verifyNs: UInt64 = 0
    /// Events judged.
    public var events: UInt64 = 0
    /// Verify-stage durations of every 64th event, nanoseconds: samples for a latency histogram.
    public var verifySamples: [UInt64] = []

    public init() {}

    /// Adds another worker's times.
    public mutating func add(_ o: JudgeTiming) {
        decodeNs &+= o.decodeNs
        verifyNs &+= o.verifyNs
        events &+= o.events
        verifySamples += o.verifySamples
    }

    /// The monotonic clock, nanoseconds.
    @inline(__always) static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
