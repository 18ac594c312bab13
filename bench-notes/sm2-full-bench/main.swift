// Scratch harness: a package whose single executable target "bench" holds symlinks to
// Sources/StreamProc/Verification/{SM2Fast/*,Hex,SM3,DERSignature,SignatureVerifier,SignatureCheck,SM2Parameters,SM2Verifier}.swift
// and this file (Package.swift.txt beside it); `swift build -c release && .build/release/bench 5`.
// Full SM2Verifier.verify(message:signature:) (DER parse + SM3(ZA‖M) + check), fast vs OpenSSL path.
import CLibcrypto

import Glibc
func hex(_ s: String) -> [UInt8] { Hex.decode(s)! }
func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
let pub = hex("0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
let msg = Array("message digest".utf8)
let distid = Array("1234567812345678".utf8)
let der = hex("3046022100F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3022100B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")
let fast = SM2Verifier(publicPoint: pub, distid: distid, fastPath: true)!
let ref = SM2Verifier(publicPoint: pub, distid: distid, fastPath: false)!
precondition(fast.verify(message: msg, signature: der) == .valid && ref.verify(message: msg, signature: der) == .valid)
let runs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 5
for _ in 0..<runs {
    var t0 = cpu()
    for _ in 0..<5000 { precondition(fast.verify(message: msg, signature: der) == .valid) }
    let f = Int(5000 / (cpu() - t0))
    t0 = cpu()
    for _ in 0..<1000 { precondition(ref.verify(message: msg, signature: der) == .valid) }
    let o = Int(1000 / (cpu() - t0))
    var la = [Double](repeating: 0, count: 3); getloadavg(&la, 3)
    print("full verify one core: fast \(f) /CPU-s   openssl-path \(o) /CPU-s   load \(la[0])")
}
