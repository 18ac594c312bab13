import Foundation
import Synchronization

/// Keeps `bench run`'s children from outliving it: while installed, SIGINT, SIGTERM and SIGHUP
/// to `bench run` send SIGTERM to the mock broker and producer children whose process ids are
/// stored here, then exit with 128 + the signal. (A Ctrl-C in a terminal reaches the whole
/// process group anyway; `kill <pid of bench run>` does not.) SIGKILL cannot be caught: its
/// children then stay, as their logs in `$TMPDIR/bench-run-<pid>/` show.
///
/// The handler only loads atomics, calls `kill` and `_exit` (async-signal-safe); a caught
/// signal's disposition is reset to the default in a child at `exec`, so the children keep
/// theirs.
enum RunChildSignals {
    /// Process id of the mock broker child, 0 when none runs.
    static let broker = Atomic<Int32>(0)
    /// Process id of the current `bench produce` child, 0 when none runs.
    static let producer = Atomic<Int32>(0)

    /// Installs the handler for SIGINT, SIGTERM and SIGHUP (once per process).
    static func install() {
        broker.store(0, ordering: .relaxed)
        producer.store(0, ordering: .relaxed)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { received in
                let broker = RunChildSignals.broker.load(ordering: .relaxed)
                let producer = RunChildSignals.producer.load(ordering: .relaxed)
                if broker > 0 { kill(broker, SIGTERM) }
                if producer > 0 { kill(producer, SIGTERM) }
                _exit(128 + received)
            }
        }
    }
}
