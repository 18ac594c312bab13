// SM2 fast-path microbenchmark and release differential (see bench-notes/sm2-fast.md).
// Build (scratch, from the worktree root):
//   swiftc -O -wmo -I Sources/CLibcrypto -lcrypto -o /tmp/sm2mb \
//     Sources/StreamProc/Verification/SM2Fast/*.swift bench-notes/sm2-fast-microbench/*.swift
// Modes:
//   sm2mb [iters] [runs]     verify(e:r:s:) of the GB/T 32918 example, per thread-CPU-second
//   sm2mb build [keys [wmin wmax]]  per-key table build time and memory for windows 6…12, and the
//                            verify rate with each key window
//   sm2mb diff [cases]       differential against OpenSSL EVP_PKEY_verify (exit 1 on any disagreement)
//   sm2mb keys [count]       load `count` random keys (registry-load time), then verify round-robin
//                            across all of them (tables cold in cache), and time SM3(ZA ‖ 230 B)
import CLibcrypto
import Glibc
func hex(_ s: String) -> [UInt8] { var o: [UInt8] = []; var i = s.startIndex; while i < s.endIndex { let j = s.index(i, offsetBy: 2); o.append(UInt8(s[i..<j], radix: 16)!); i = j }; return o }
let pub = hex("0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
let e = SM2UInt256(bigEndian: hex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"))!
let r = SM2UInt256(bigEndian: hex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"))!
let s = SM2UInt256(bigEndian: hex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"))!
func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
func rate(_ v: SM2FastVerifier, _ iters: Int) -> Int {
    let t0 = cpu(); var ok = 0
    for _ in 0..<iters { if v.verify(e: e, r: r, s: s) { ok += 1 } }
    precondition(ok == iters)
    return Int(Double(ok) / (cpu() - t0))
}
let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "diff":
    let cases = args.count > 2 ? Int(args[2])! : 100_000
    let t0 = cpu()
    let bad = runDifferential(cases: cases)
    print("differential CPU time \(Int(cpu() - t0)) s")
    exit(bad == 0 ? 0 : 1)
case "keys":
    let count = args.count > 2 ? Int(args[2])! : 100
    _ = SM2FastVerifier.generatorFixedTable
    var rng = SystemRandomNumberGenerator()
    func scalar() -> SM2UInt256 {
        while true { let v = SM2UInt256(rng.next(), rng.next(), rng.next(), rng.next()); if SM2Scalar.isInRange(v) { return v } }
    }
    var points: [[UInt8]] = []
    for _ in 0..<count {
        var j = SM2JacobianPoint.infinity
        SM2FastVerifier.generatorFixedTable.accumulate(scalar(), into: &j)
        let a = j.affine()!
        points.append([0x04] + SM2Field.fromMontgomery(a.x).bigEndianBytes + SM2Field.fromMontgomery(a.y).bigEndianBytes)
    }
    let t0 = cpu()
    let verifiers = points.map { SM2FastVerifier(publicPoint: $0)! }
    print("loaded \(count) keys (tables only) in \(Int((cpu() - t0) * 1000)) ms CPU, \(verifiers[0].keyTable.byteCount * count / 1_048_576) MiB")
    var sigs: [(SM2UInt256, SM2UInt256, SM2UInt256)] = []
    for v in verifiers {
        let s = scalar(), t = scalar(), r = SM2Scalar.sub(t, s)
        let x1 = v.linearCombinationX(s: s, t: t)!
        sigs.append((SM2Scalar.sub(r, SM2Scalar.reduce(x1)), r, s))
    }
    for _ in 0..<5 {
        let t1 = cpu(); var ok = 0
        for i in 0..<6000 { let k = (i &* 37) % count; if verifiers[k].verify(e: sigs[k].0, r: sigs[k].1, s: sigs[k].2) { ok += 1 } }
        precondition(ok == 6000)
        print("round-robin over \(count) keys: \(Int(6000 / (cpu() - t1))) /CPU-s")
    }
    let md = streamproc_fetch_sm3()!, mctx = EVP_MD_CTX_new()!
    let za = [UInt8](repeating: 7, count: 32), msg = [UInt8](repeating: 0x41, count: 230)
    var out = [UInt8](repeating: 0, count: 32)
    let t2 = cpu()
    for _ in 0..<20000 { _ = streamproc_sm3_2(mctx, md, za, 32, msg, 230, &out) }
    print("SM3(ZA ‖ 230 B) via EVP: \(Int((cpu() - t2) / 20000 * 1e9)) ns each")
case "build":
    let keys = args.count > 2 ? Int(args[2])! : 5
    let windows = args.count > 4 ? Int(args[3])!...Int(args[4])! : 6...12
    var t0 = cpu()
    _ = SM2FastVerifier.generatorFixedTable
    print("G table (window \(SM2FastVerifier.generatorWindow)): \(SM2FastVerifier.generatorFixedTable.points.count) points, \(SM2FastVerifier.generatorFixedTable.byteCount) bytes, built in \(Int((cpu() - t0) * 1000)) ms")
    for w in windows {
        var times: [Double] = []
        var v: SM2FastVerifier? = nil
        for _ in 0..<keys { t0 = cpu(); v = SM2FastVerifier(publicPoint: pub, keyWindow: w)!; times.append(cpu() - t0) }
        times.sort()
        let ms = Int(times[times.count / 2] * 100_000)
        let line = "key window \(w): \(v!.keyTable.points.count) points, \(v!.keyTable.byteCount) bytes"
        print(line + ", build median \(ms / 100).\(ms % 100 < 10 ? "0" : "")\(ms % 100) ms; verify \(rate(v!, 3000)) /CPU-s")
    }
default:
    let iters = args.count > 1 ? Int(args[1])! : 5000
    let runs = args.count > 2 ? Int(args[2])! : 3
    let v = SM2FastVerifier(publicPoint: pub)!
    precondition(v.verify(e: e, r: r, s: s))
    for _ in 0..<runs {
        print("verify (scalar part, no SM3/DER): \(rate(v, iters)) /CPU-s  (\(iters) ok)")
    }
}
