import Foundation
import Synchronization
import Testing
@testable import StreamProc

/// ``SignalWatcher`` in this test process. Signals are sent with `kill(getpid(), …)`, directed
/// at the process as a terminal's Ctrl-C or `kill <pid>` is (`raise` would target the calling
/// thread, which Swift's pool keeps blocked, so it would stay pending). Each signal is sent
/// only while a watcher handles it and the test waits for its action before the next step,
/// so none reaches the test runner's own disposition (SIGINT, SIGTERM and SIGHUP end it).
@Suite("Signal watcher", .serialized)
struct SignalWatcherTests {
    /// How often each action ran.
    final class Calls: Sendable {
        let first = Atomic<Int>(0)
        let second = Atomic<Int>(0)
        let hangup = Atomic<Int>(0)

        /// Polls every 10 ms until `count()` reaches `value`, at most 10 seconds.
        static func wait(_ what: String, _ value: Int, _ count: () -> Int) async throws {
            _ = try await ProcessHarness.waitFor("\(what) to reach \(value)", timeoutS: 10, everyMs: 10) { () -> Bool? in
                count() >= value ? true : nil
            }
        }
    }

    /// `sigaction` handlers of `signals`, as raw addresses (SIG_DFL is 0, SIG_IGN 1).
    static func dispositions(_ signals: [Int32]) -> [Int] {
        signals.map { sig in
            var current = sigaction()
            sigaction(sig, nil, &current)
            return unsafeBitCast(current.__sigaction_handler, to: Int.self)
        }
    }

    /// Tasks (threads) of this process named `signal-watcher`.
    static func watcherThreads() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter { task in
            let comm = FileManager.default.contents(atPath: "/proc/self/task/\(task)/comm") ?? Data()
            return String(decoding: comm, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "signal-watcher"
        }
    }

    @Test("SIGHUP runs the hangup action every time; the first SIGINT/SIGTERM runs `first`, every later one `second`",
          .timeLimit(.minutes(1)))
    func actions() async throws {
        let calls = Calls()
        let watcher = try SignalWatcher(onInterrupt: { calls.first.add(1, ordering: .relaxed) },
                                        onRepeatedInterrupt: { calls.second.add(1, ordering: .relaxed) },
                                        onHangup: { calls.hangup.add(1, ordering: .relaxed) })
        defer { watcher.cancel() }
        #expect(watcher.signals == [SIGINT, SIGTERM, SIGHUP])
        kill(getpid(), SIGHUP)
        try await Calls.wait("hangup actions", 1) { calls.hangup.load(ordering: .relaxed) }
        kill(getpid(), SIGHUP)
        try await Calls.wait("hangup actions", 2) { calls.hangup.load(ordering: .relaxed) }
        #expect(calls.first.load(ordering: .relaxed) == 0, "SIGHUP is not an interrupt")
        kill(getpid(), SIGTERM)
        try await Calls.wait("first actions", 1) { calls.first.load(ordering: .relaxed) }
        kill(getpid(), SIGINT)
        try await Calls.wait("second actions", 1) { calls.second.load(ordering: .relaxed) }
        kill(getpid(), SIGTERM)
        try await Calls.wait("second actions", 2) { calls.second.load(ordering: .relaxed) }
        #expect(calls.first.load(ordering: .relaxed) == 1)
        #expect(calls.hangup.load(ordering: .relaxed) == 2)
    }

    @Test("the watcher's thread unblocks SIGINT and SIGTERM for itself (Swift's pool threads block them)")
    func threadUnblocksTheSignals() async throws {
        let watcher = try SignalWatcher(onInterrupt: {}, onRepeatedInterrupt: {})
        defer { watcher.cancel() }
        let thread = try await ProcessHarness.waitFor("the signal-watcher thread", timeoutS: 10, everyMs: 10) { () -> String? in
            Self.watcherThreads().first
        }
        let status = String(decoding: FileManager.default.contents(atPath: "/proc/self/task/\(thread)/status") ?? Data(), as: UTF8.self)
        let blocked = try #require(status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
            .flatMap { UInt64($0.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) })
        // Bit n-1 stands for signal n.
        #expect(blocked & (1 << UInt64(SIGINT - 1)) == 0, "SigBlk \(String(blocked, radix: 16))")
        #expect(blocked & (1 << UInt64(SIGTERM - 1)) == 0, "SigBlk \(String(blocked, radix: 16))")
    }

    @Test("cancel() restores the dispositions found at start and ends the thread; a new watcher can start",
          .timeLimit(.minutes(1)))
    func cancelRestores() async throws {
        let watched = [SIGINT, SIGTERM, SIGHUP]
        let before = Self.dispositions(watched)
        let watcher = try SignalWatcher(onInterrupt: {}, onRepeatedInterrupt: {}, onHangup: {})
        let during = Self.dispositions(watched)
        #expect(zip(before, during).allSatisfy { $0 != $1 }, "handlers installed: \(before) → \(during)")
        watcher.cancel()
        #expect(Self.dispositions(watched) == before)
        watcher.cancel()  // idempotent
        _ = try await ProcessHarness.waitFor("the signal-watcher thread to end", timeoutS: 10, everyMs: 10) { () -> Bool? in
            Self.watcherThreads().isEmpty ? true : nil
        }

        let calls = Calls()
        let next = try SignalWatcher(onInterrupt: { calls.first.add(1, ordering: .relaxed) }, onRepeatedInterrupt: {})
        defer { next.cancel() }
        #expect(next.signals == [SIGINT, SIGTERM])
        #expect(Self.dispositions([SIGHUP]) == [before[2]], "without a hangup action SIGHUP is left alone")
        kill(getpid(), SIGINT)
        try await Calls.wait("first actions", 1) { calls.first.load(ordering: .relaxed) }
    }
}
