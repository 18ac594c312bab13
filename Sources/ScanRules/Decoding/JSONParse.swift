/// Parses a JSON text with the limits of spec v1 §1, giving depth precedence:
/// a text nested deeper than `maxDepth` is ``Failure/tooDeep`` whatever else is
/// wrong with it, exactly as if a depth scan (``JSONPrescan``) ran before the parse.
///
/// Fast path: the parse runs first on a small stack tape (≤ 1 KiB, no heap) with the
/// parser's own depth limit; the byte scan runs only when that parse fails (to tell
/// `too_deep` from `bad_json`/`duplicate_key`) or the tape is too small (then it also
/// sizes a second tape). For a valid text within the limit the outcome is the same as
/// scan-then-parse, since the parser's depth equals the scan's depth on valid JSON.
enum JSONParse {
    enum Failure: Error { case tooDeep, syntax, duplicateKey }

    /// Nodes of the first tape: 1 KiB, the size Swift allocates on the stack without further checks.
    static let smallTape = 1024 / MemoryLayout<JSONNode>.stride

    /// Parses `n` bytes at `base` and calls `body` with the document or the failure.
    /// The document is valid only inside `body`.
    static func withDocument<R>(_ base: UnsafePointer<UInt8>, _ n: Int, maxDepth: Int,
                                _ body: (Result<JSONDocument, Failure>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: JSONNode.self, capacity: smallTape) { tape in
            var parser = JSONParser(base: base, length: n, tape: tape, maxDepth: maxDepth)
            let first = parser.parseDocument()
            if case .success(let count) = first {
                return body(.success(JSONDocument(base: base, nodes: UnsafeBufferPointer(rebasing: tape[0..<count]))))
            }
            let pre = JSONPrescan.scan(base, n, limit: maxDepth)
            if pre.maxDepth > maxDepth { return body(.failure(.tooDeep)) }
            if !parser.overflowed {
                if case .failure(.duplicateKey) = first { return body(.failure(.duplicateKey)) }
                return body(.failure(.syntax))
            }
            return withUnsafeTemporaryAllocation(of: JSONNode.self, capacity: pre.nodeBound) { big in
                var p2 = JSONParser(base: base, length: n, tape: big, maxDepth: maxDepth)
                switch p2.parseDocument() {
                case .success(let count):
                    return body(.success(JSONDocument(base: base, nodes: UnsafeBufferPointer(rebasing: big[0..<count]))))
                case .failure(.duplicateKey): return body(.failure(.duplicateKey))
                case .failure(.syntax): return body(.failure(.syntax))
                }
            }
        }
    }
}
