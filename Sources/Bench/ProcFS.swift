import Foundation

/// Parsers of Linux `/proc` files (pure functions, so they can be checked on sample text).
enum ProcFS {
    /// Clock ticks per second of `/proc/<pid>/stat`'s time fields (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// The whole file as text, nil when it cannot be read.
    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// utime + stime of a `/proc/<pid>/stat` line in **seconds** (fields 14 and 15, counted after
    /// the parenthesised command name, which may contain spaces), nil when malformed.
    static func cpuSeconds(stat: String, ticksPerSecond: Double = ProcFS.ticksPerSecond) -> Double? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        // After ") ": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let u = Double(fields[11]), let s = Double(fields[12]) else { return nil }
        return (u + s) / ticksPerSecond
    }

    /// A `kB` field of `/proc/<pid>/status` (`VmHWM:    123456 kB`) in **bytes**, nil when absent.
    static func statusBytes(_ status: String, field: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let kb = Int(parts[1]) else { return nil }
            return kb * 1024
        }
        return nil
    }

    /// The 1-minute load average (first field of `/proc/loadavg`), nil when unreadable.
    static func loadAverage1() -> Double? {
        read("/proc/loadavg").flatMap { $0.split(separator: " ").first.flatMap { Double($0) } }
    }

    /// `/proc/loadavg`'s 1, 5 and 15-minute averages as `uptime` prints them (`8.66, 7.79, 5.40`).
    static func loadAverages() -> String {
        guard let text = read("/proc/loadavg") else { return "?" }
        return text.split(separator: " ").prefix(3).joined(separator: ", ")
    }

    /// User + system CPU **seconds** of children this process has reaped (getrusage RUSAGE_CHILDREN).
    static func reapedChildrenCPUSeconds() -> Double {
        var ru = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &ru)
        return Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6
            + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
    }

    /// CPU **seconds** (utime + stime) of each thread of process `pid`, summed by thread name
    /// (`/proc/<pid>/task/<tid>/comm`, e.g. `rdk:broker1`); empty once the process is gone.
    static func threadCPUSeconds(pid: Int32) -> [String: Double] {
        let dir = "/proc/\(pid)/task"
        guard let tids = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [:] }
        var out: [String: Double] = [:]
        for tid in tids {
            guard let stat = read("\(dir)/\(tid)/stat"), let cpu = cpuSeconds(stat: stat) else { continue }
            let name = read("\(dir)/\(tid)/comm")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            out[name, default: 0] += cpu
        }
        return out
    }
}
