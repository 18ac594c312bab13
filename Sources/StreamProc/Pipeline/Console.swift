import Foundation

/// Lines for a person at the terminal (the dashboard address, the summary):
/// written straight to standard output, unbuffered, so they show at once even when piped.
public enum Console {
    /// Writes `text` and a newline to standard output at once. Thread-safe (one `write(2)`).
    public static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
