#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// SIGINT, SIGTERM and (optionally) SIGHUP for a long-running command, delivered to actions on
/// a thread of the watcher's own: the first SIGINT or SIGTERM runs `first`, every later one
/// `second`, each SIGHUP `hangup`. `streamproc run` and `streamproc mock-broker` use it.
///
/// Why not `DispatchSource.makeSignalSource` after `signal(sig, SIG_IGN)` (what this replaced):
/// on Linux the kernel discards a signal whose disposition is SIG_IGN when it is sent, unless
/// the thread it is aimed at blocks it, and libdispatch replaces SIG_IGN with its own
/// forwarding handler only when it registers the source, asynchronously on its manager thread
/// (0.4 ms later in an `strace` of `streamproc run`): a signal in between was lost. Here the
/// handler is in place when the initializer returns, whichever thread receives the signal.
/// A signal before that meets the disposition the process started with: SIG_DFL ends the
/// process, SIG_IGN (what a non-interactive shell gives a background job, `streamproc run &`
/// in a script) drops it.
///
/// How: the handler only `write`s the signal number as one byte to a non-blocking pipe (and
/// keeps `errno`), which is async-signal-safe. The watcher's thread (a `Thread`, never Swift's
/// cooperative pool) unblocks the watched signals for itself, so at least one thread of the
/// process always takes them (dispatch's and librdkafka's threads block all signals), reads the
/// pipe with a blocking `read`, and runs the actions there, one at a time, in arrival order.
/// Two signals of one kind that arrive before the kernel delivered the first count once (a
/// POSIX standard signal is not queued); a byte the full pipe (64 KiB unread) cannot take is
/// dropped.
///
/// Threading: the actions run on the watcher's thread, so they must not block for long (a
/// SIGHUP action that reloads a file delays a SIGINT behind it by that long). One watcher at
/// a time per process (signal dispositions are process-wide): create it once, ``cancel()``
/// it before creating another.
public final class SignalWatcher: Sendable {
    /// Write end of the active watcher's pipe, -1 when none: the handler's only input (a C
    /// function pointer captures nothing).
    private static let handlerFD = Atomic<Int32>(-1)
    /// Handlers running (they may have loaded ``handlerFD`` and not yet written): ``cancel()``
    /// waits for 0 before it closes the pipe, so no late handler writes to a reused descriptor.
    private static let handlersInFlight = Atomic<Int>(0)
    /// Whether a watcher is active (created and not cancelled).
    private static let active = Atomic<Bool>(false)

    /// The handler installed for every watched signal: one byte to the pipe, `errno` kept.
    private static let handler: @convention(c) (Int32) -> Void = { sig in
        let saved = errno
        SignalWatcher.handlersInFlight.add(1, ordering: .sequentiallyConsistent)
        let fd = SignalWatcher.handlerFD.load(ordering: .sequentiallyConsistent)
        if fd >= 0 {
            var byte = UInt8(truncatingIfNeeded: sig)
            _ = write(fd, &byte, 1)
        }
        SignalWatcher.handlersInFlight.subtract(1, ordering: .sequentiallyConsistent)
        errno = saved
    }

    /// Sets SIGINT and SIGTERM to their default action (end the process). Call it first thing
    /// in a command that later installs a watcher: a process started in the background by a
    /// non-interactive shell (`streamproc run &` in a script) inherits SIGINT as ignored
    /// (POSIX), so a signal that arrives before the watcher is installed would vanish, and the
    /// process would run on until a second one. With the default action it ends the process
    /// (nothing runs yet that could be drained). Not for a process that already has a watcher.
    public static func resetInterruptsToDefault() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The watched signals: SIGINT, SIGTERM and, with a hangup action, SIGHUP.
    public let signals: [Int32]
    private let first: @Sendable () -> Void
    private let second: @Sendable () -> Void
    private let hangup: (@Sendable () -> Void)?
    private let readEnd: Int32
    private let writeEnd: Int32
    /// The dispositions found at start, restored by ``cancel()``; nil once cancelled.
    private let previous: Mutex<[(signal: Int32, action: sigaction)]?>
    private let cancelled = Atomic<Bool>(false)

    /// Installs the handlers and starts the watcher's thread. A signal that arrives after this
    /// returns reaches its action; SIGHUP keeps its disposition (the default ends the process)
    /// when `hangup` is nil.
    /// - Parameters:
    ///   - first: run on the first SIGINT or SIGTERM (on the watcher's thread).
    ///   - second: run on every later SIGINT or SIGTERM (e.g. `exit(130)`).
    ///   - hangup: run on every SIGHUP; nil leaves SIGHUP alone.
    /// - Throws: `POSIXError` when the pipe cannot be created or a handler cannot be installed.
    /// - Precondition: no other watcher is active in the process.
    public init(onInterrupt first: @escaping @Sendable () -> Void,
                onRepeatedInterrupt second: @escaping @Sendable () -> Void,
                onHangup hangup: (@Sendable () -> Void)? = nil) throws {
        precondition(Self.active.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged,
                     "one SignalWatcher at a time: cancel the active one first")
        self.first = first
        self.second = second
        self.hangup = hangup
        signals = [SIGINT, SIGTERM] + (hangup == nil ? [] : [SIGHUP])
        var fds: [Int32] = [-1, -1]
        // `pipe2` is not exported to Swift: `pipe`, then close-on-exec for both ends (children
        // must not inherit them) and a non-blocking write end (the handler never waits).
        guard pipe(&fds) == 0, fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0,
              fcntl(fds[1], F_SETFL, O_NONBLOCK) == 0 else {
            let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            for fd in fds where fd >= 0 { close(fd) }
            Self.active.store(false, ordering: .sequentiallyConsistent)
            throw error
        }
        readEnd = fds[0]
        writeEnd = fds[1]
        // The statics are lazily initialized globals: initialize them here, never in the handler.
        _ = Self.handlersInFlight.load(ordering: .sequentiallyConsistent)
        Self.handlerFD.store(writeEnd, ordering: .sequentiallyConsistent)
        var found: [(signal: Int32, action: sigaction)] = []
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = Self.handler
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            var old = sigaction()
            if sigaction(sig, &action, &old) != 0 {
                // Not expected for these signals (EINVAL is for invalid ones): undo and give up.
                let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL)
                Self.stop(restoring: found, writeEnd: fds[1])
                close(fds[0])
                throw error
            }
            found.append((sig, old))
        }
        previous = Mutex(found)
        Thread { [self] in readLoop() }.start()
    }

    /// Restores the dispositions found at start (normally SIG_DFL: a later SIGINT ends the
    /// process) and ends the watcher's thread; signals still unread are dropped (an action
    /// already begun finishes). Does not wait for the thread. Idempotent; any thread, also an
    /// action's.
    public func cancel() {
        guard let found = previous.withLock({ p -> [(signal: Int32, action: sigaction)]? in
            defer { p = nil }
            return p
        }) else { return }
        cancelled.store(true, ordering: .sequentiallyConsistent)
        Self.stop(restoring: found, writeEnd: writeEnd)  // the thread reads end-of-file and ends
    }

    /// Restores `found`, waits for handlers still writing, closes `writeEnd` and lets the next
    /// watcher start.
    private static func stop(restoring found: [(signal: Int32, action: sigaction)], writeEnd: Int32) {
        for (sig, old) in found {
            var old = old
            sigaction(sig, &old, nil)
        }
        handlerFD.store(-1, ordering: .sequentiallyConsistent)
        while handlersInFlight.load(ordering: .sequentiallyConsistent) != 0 { sched_yield() }
        close(writeEnd)
        active.store(false, ordering: .sequentiallyConsistent)
    }

    /// The watcher's thread: unblocks the watched signals here, then reads signal numbers
    /// until end-of-file and runs their actions.
    private func readLoop() {
        Thread.current.name = "signal-watcher"  // in `top -H` and /proc/<pid>/task/*/comm
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in signals { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var interrupts = 0
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            for byte in buffer[..<n] {
                if cancelled.load(ordering: .sequentiallyConsistent) { break }
                switch Int32(byte) {
                case SIGINT, SIGTERM:
                    interrupts += 1
                    if interrupts == 1 { first() } else { second() }
                case SIGHUP:
                    hangup?()
                default:
                    break
                }
            }
        }
        close(readEnd)
    }
}
