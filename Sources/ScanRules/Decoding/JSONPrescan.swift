/// The cheap byte scan run before a full parse (spec v1 §1): the maximum
/// nesting depth of `[`/`{` outside strings (respecting `\"` escapes) and an
/// upper bound on the number of JSON values, used to size the parse tape.
enum JSONPrescan {
    struct Result {
        /// Deepest container nesting seen; the top-level object is depth 1.
        var maxDepth: Int
        /// At least the number of values a successful parse can produce.
        var nodeBound: Int
    }

    /// Scans `n` bytes at `p`. Stops early (returning a depth > `limit`) once `limit` is exceeded.
    static func scan(_ p: UnsafePointer<UInt8>, _ n: Int, limit: Int) -> Result {
        var depth = 0, maxDepth = 0, separators = 0
        var i = 0
        while i < n {
            let c = p[i]
            switch c {
            case UInt8(ascii: "\""):
                i += 1
                while i + 8 <= n, !SWAR.hasQuoteOrBackslash(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) {
                    i += 8
                }
                while i < n {
                    let s = p[i]
                    if s == UInt8(ascii: "\\") { i += 2; continue }
                    if s == UInt8(ascii: "\"") { break }
                    i += 1
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                separators += 1
                if depth > maxDepth {
                    maxDepth = depth
                    if maxDepth > limit { return Result(maxDepth: maxDepth, nodeBound: 0) }
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
            case UInt8(ascii: ","), UInt8(ascii: ":"):
                separators += 1
            default:
                break
            }
            i += 1
        }
        // Every value is the document root, the first element after `[`/`{`, or
        // follows a `,` or `:`; the parser also fails cleanly if this is short.
        return Result(maxDepth: maxDepth, nodeBound: separators + 2)
    }
}
