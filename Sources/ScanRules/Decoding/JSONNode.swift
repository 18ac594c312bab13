/// One value of a parsed JSON document, stored in a flat tape (pre-order).
///
/// Objects hold their members as alternating key (string node) and value
/// subtrees; arrays hold their elements. `next` is the tape index just after
/// this node's subtree, so siblings are reached without recursion.
/// Offsets are byte offsets into the parsed buffer; for strings they exclude
/// the quotes, for containers they span the brackets.
struct JSONNode {
    enum Kind: UInt8 { case object, array, string, number, trueValue, falseValue, null }

    /// Flag bits.
    static let hasEscape: UInt8 = 1        // string: contains a backslash escape
    static let nonASCII: UInt8 = 2         // string: contains bytes >= 0x80
    static let integerForm: UInt8 = 4      // number: no fraction, no exponent

    var kind: Kind
    var flags: UInt8
    /// Number of members (objects) or elements (arrays); 0 otherwise.
    var count: UInt32
    var start: Int32
    var end: Int32
    var next: Int32
}
