/// The payload's `typ` (spec v1 §3).
public enum CodeType: UInt8, Sendable, Hashable {
    /// `P`: a personal code.
    case personal
    /// `O`: an organisation's code.
    case organisation
    /// `T`: a thing's or venue's code.
    case thing
}
