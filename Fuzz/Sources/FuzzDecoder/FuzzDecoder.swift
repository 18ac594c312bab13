import Foundation
import Aggregates
import ScanRules

// libFuzzer harness (issue 12 Must 7). Every input goes through:
//   1. the decoder and the verdict engine (spec §1–§6) with the corpus key registry,
//      twice: the two judgements must agree (the engine is stateless), and a judgement
//      must be coherent (a malformed verdict has a reason, a verified one an event id and
//      a bounded time no later than its scanned_at, an unattributed one is malformed);
//   2. the key-registry parser (spec §4); a registry that parses judges a few corpus
//      events, so mutated public keys reach the verifiers (SM2, P-256, Ed25519).
// A violated check traps (`preconditionFailure`), which libFuzzer reports as a crash.
//
// Environment (set by scripts/fuzz.sh): STREAMPROC_FUZZ_KEYS = the registry file
// (corpus/v1/keys.json), STREAMPROC_FUZZ_EVENTS = a file of event lines (corpus/v1/events.jsonl).

/// The processor's wall clock during fuzzing, ms: the corpus's latest plausible scanned_at.
let fuzzNowMs: Int64 = 1_795_221_004_421

/// The engine with the corpus registry, and the first event lines of the corpus.
let fuzzSetup: (engine: VerdictEngine, events: [[UInt8]]) = {
    let env = ProcessInfo.processInfo.environment
    var registry: KeyRegistry
    do {
        registry = try KeyRegistry(contentsOfFile: env["STREAMPROC_FUZZ_KEYS"] ?? "../shared/corpus/v1/keys.json")
    } catch {
        fatalError("FuzzDecoder: cannot load the key registry (set STREAMPROC_FUZZ_KEYS): \(error)")
    }
    var events: [[UInt8]] = []
    if let path = env["STREAMPROC_FUZZ_EVENTS"], let data = FileManager.default.contents(atPath: path) {
        events = data.split(separator: 0x0A).prefix(8).map { Array($0) }
    }
    return (VerdictEngine(registry: registry, reference: .embedded), events)
}()

/// Traps with `what` unless `condition` holds.
@inline(__always)
func check(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition { preconditionFailure("FuzzDecoder invariant: \(what())") }
}

func checkCoherent(_ j: Judgement) {
    switch j.verdict {
    case .malformed:
        check(j.reason != nil, "malformed without a reason")
        check(j.eventID == nil && j.boundedTimeMs == nil, "malformed with an event id or bounded time")
    case .valid, .duplicate, .expired, .notYetValid:
        check(j.reason == nil, "\(j.verdict) with a reason")
        check(j.attribution != nil, "verified event without attribution")
        check(j.eventID != nil, "verified event without an event id")
        if let b = j.boundedTimeMs, let a = j.attribution {
            check(b <= a.scannedAtMs, "bounded time \(b) after scanned_at \(a.scannedAtMs)")
        } else {
            check(false, "verified event without a bounded time")
        }
    default:
        check(j.reason == nil, "\(j.verdict) with a reason")
        check(j.attribution != nil, "\(j.verdict) without attribution")
        check(j.boundedTimeMs == nil, "\(j.verdict) with a bounded time")
    }
}

/// libFuzzer's per-input callback (`LLVMFuzzerTestOneInput`): `size` bytes at `data` (nil
/// when empty) go through the engine and the registry parser (see the top of this file).
/// Returns 0 (libFuzzer's "keep going"); traps on a violated invariant. Single-threaded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoderOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size)
    let (engine, events) = fuzzSetup
    // 1. Decoder and verdict engine.
    let a = engine.judge(bytes, nowMs: fuzzNowMs)
    let b = engine.judge(bytes, nowMs: fuzzNowMs)
    check(a.verdict == b.verdict && a.reason == b.reason && a.attribution == b.attribution
          && a.eventID == b.eventID && a.boundedTimeMs == b.boundedTimeMs, "two judgements of one value differ")
    checkCoherent(a)
    // 2. Key-registry parser; a registry that parses verifies a few corpus events.
    if let registry = try? KeyRegistry(json: Array(bytes)) {
        let fuzzed = VerdictEngine(registry: registry, reference: .embedded)
        for e in events { checkCoherent(fuzzed.judge(e, nowMs: fuzzNowMs)) }
    }
    return 0
}

// Entry point. SwiftPM links an executable with `main` aliased to `FuzzDecoder_main`
// (`--defsym`), so libFuzzer's own `main` is never linked in: this one hands control to
// libFuzzer's driver (`LLVMFuzzerRunDriver`, in the libFuzzer runtime `-sanitize=fuzzer`
// links), which parses the usual libFuzzer flags.

/// `int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`.
/// Declared through its symbol name; every argument is a pointer, passed in the same
/// registers by the C and Swift calling conventions on x86-64 and arm64.
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("FuzzDecoder_main")
func fuzzDecoderMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return llvmFuzzerRunDriver(&count, &vector) { data, size in fuzzDecoderOneInput(data, size) }
}
