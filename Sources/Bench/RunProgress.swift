import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import Foundation

/// One-line progress bars of `bench run` on standard error (redrawn with `\r`), so
/// `--json` keeps standard output to the final line.
enum RunProgress {
    /// Redraws the current line: `label [#####-----] detail`.
    static func bar(_ label: String, fraction: Double, detail: String) {
        let width = 24
        let done = max(0, min(width, Int((fraction * Double(width)).rounded(.down))))
        let bar = String(repeating: "#", count: done) + String(repeating: "-", count: width - done)
        write("\r\u{1B}[2K\(label) [\(bar)] \(detail)")
    }

    /// Ends the current bar line (or prints a status line) with a newline.
    static func line(_ text: String) {
        write("\r\u{1B}[2K\(text)\n")
    }

    private static func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
