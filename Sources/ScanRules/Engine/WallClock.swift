import Foundation

/// Wall-clock helpers, in **milliseconds** since the Unix epoch (UTC).
public enum WallClock {
    /// Now, ms since the Unix epoch.
    public static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Start of the one-minute pane (spec §7) holding `ms`: floor division by 60 000.
    public static func paneStart(_ ms: Int64) -> Int64 {
        let q = ms / 60_000
        return (ms % 60_000 < 0 ? q - 1 : q) * 60_000
    }
}
