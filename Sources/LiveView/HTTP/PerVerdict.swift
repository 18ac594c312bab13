import Aggregates

/// One value per ``Verdict`` (spec v1 §5), stored densely by `Verdict.rawValue`.
///
/// JSON: an object keyed by the verdict's wire name, every verdict present:
/// `{"duplicate":0,"expired":0,…,"valid":12}` (key order is the encoder's). Decoding
/// accepts missing keys (as zero) and ignores unknown ones.
public struct PerVerdict<Value: Sendable & Codable & Equatable & AdditiveArithmetic>: Sendable, Equatable {
    /// The values, indexed by `Verdict.rawValue`; always `Verdict.count` long.
    public private(set) var values: [Value]

    /// All zero.
    public init() {
        values = Array(repeating: .zero, count: Verdict.count)
    }

    /// From values in `Verdict.rawValue` order; missing trailing values are zero,
    /// extra values are ignored.
    public init(_ ordered: some Sequence<Value>) {
        var v = Array(ordered.prefix(Verdict.count))
        while v.count < Verdict.count { v.append(.zero) }
        values = v
    }

    /// The value for one verdict.
    public subscript(verdict: Verdict) -> Value {
        get { values[Int(verdict.rawValue)] }
        set { values[Int(verdict.rawValue)] = newValue }
    }

    /// The sum over all verdicts.
    public var total: Value {
        values.reduce(.zero, +)
    }

    /// Adds `other` element-wise.
    public static func += (lhs: inout PerVerdict, rhs: PerVerdict) {
        for i in 0..<Verdict.count { lhs.values[i] += rhs.values[i] }
    }
}

extension PerVerdict: Codable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for v in Verdict.allCases {
            try c.encode(self[v], forKey: Key(stringValue: v.name))
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        self.init()
        for v in Verdict.allCases {
            if let x = try c.decodeIfPresent(Value.self, forKey: Key(stringValue: v.name)) {
                self[v] = x
            }
        }
    }
}
