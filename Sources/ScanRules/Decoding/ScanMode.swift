/// The event's `mode` (spec v1 §2).
public enum ScanMode: UInt8, Sendable, Hashable {
    /// `scan`: the terminal scans the person's code.
    case scan
    /// `show`: the person scans the venue's code.
    case show
}
