import Glibc
func hex(_ s: String) -> [UInt8] { var o: [UInt8] = []; var i = s.startIndex; while i < s.endIndex { let j = s.index(i, offsetBy: 2); o.append(UInt8(s[i..<j], radix: 16)!); i = j }; return o }
let pub = hex("0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
let e = SM2UInt256(bigEndian: hex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"))!
let r = SM2UInt256(bigEndian: hex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"))!
let s = SM2UInt256(bigEndian: hex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"))!
let v = SM2FastVerifier(publicPoint: pub)!
precondition(v.verify(e: e, r: r, s: s))
func cpu() -> Double { var ts = timespec(); clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 }
for _ in 0..<3 {
  let t0 = cpu(); var ok = 0
  for _ in 0..<5000 { if v.verify(e: e, r: r, s: s) { ok += 1 } }
  let dt = cpu() - t0
  print("verify (scalar part, no SM3/DER): \(Int(Double(ok) / dt)) /CPU-s  (\(ok) ok)")
}
