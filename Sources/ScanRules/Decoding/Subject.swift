/// The payload's `sub` (spec v1 §3): a pseudonymous subject id of 1–64 chars.
/// It must never be logged in clear, so every textual form is redacted
/// (`description`, `debugDescription`, string interpolation, `dump`/mirrors);
/// only ``rawValue`` gives the id itself.
public struct Subject: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The subject id in clear. Do not log it.
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// Always `"sub:<redacted>"`.
    public var description: String { "sub:<redacted>" }
    /// Always `"sub:<redacted>"`.
    public var debugDescription: String { "sub:<redacted>" }
    /// A mirror without children, so `dump` shows nothing of the id.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
