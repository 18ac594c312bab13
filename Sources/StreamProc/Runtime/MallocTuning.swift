#if canImport(Glibc)
import CMalloc
import Glibc
#endif
import Foundation

/// glibc malloc settings for a long-running processor (issue 11, must 6: RSS flat under load).
///
/// With glibc's defaults the processor's heap in use stays flat under a steady load (55–103 MB
/// in a `heaptrack` run at 3,000 events/s), while its RSS kept growing (240 MB after 8 minutes,
/// ~1 GiB/h in `bench soak`): freed memory stayed with the allocator. Two defaults cause it:
/// - the **dynamic mmap threshold**: after the first large block (a hash table, a batch buffer)
///   is freed, glibc raises the threshold to that size (up to 32 MiB), so later large blocks
///   come from the arenas, where free space between live chunks is not returned to the OS;
/// - **up to 8 arenas per core**: each thread that allocates (cooperative pool, librdkafka,
///   NIO) may get its own arena, each with its own fragmentation.
///
/// ``apply()`` fixes the mmap threshold at 128 KiB (large blocks are mapped and unmapped;
/// setting it turns the dynamic threshold off), returns the top of an arena above 128 KiB
/// free, and caps the arenas at 2 per core. Measured side by side (four processors
/// consuming the same stream) and over 30 minutes at 10,000 events/s: BENCHMARKS.md,
/// "Memory under load". A setting the operator gave through the environment (`MALLOC_*_`,
/// `GLIBC_TUNABLES`) is left alone.
///
/// Threading: call once at start-up, before the pipeline's threads allocate.
public enum MallocTuning {
    /// Large blocks at or above this many **bytes** are mmapped and unmapped on free.
    public static let mmapThresholdBytes: Int32 = 128 * 1024
    /// Free memory at the top of an arena above this many **bytes** goes back to the OS.
    public static let trimThresholdBytes: Int32 = 128 * 1024
    /// Arenas per core.
    public static let arenasPerCore: Int32 = 2

    /// Applies the settings; returns whether they were applied (false when the environment
    /// tunes malloc itself or on a non-glibc platform).
    @discardableResult
    public static func apply(cores: Int) -> Bool {
        #if canImport(Glibc)
        for name in ["GLIBC_TUNABLES", "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"]
        where getenv(name) != nil {
            return false
        }
        var ok = mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes) == 1
        ok = mallopt(M_TRIM_THRESHOLD, trimThresholdBytes) == 1 && ok
        ok = mallopt(M_ARENA_MAX, arenasPerCore * Int32(max(1, min(cores, 256)))) == 1 && ok
        return ok
        #else
        return false
        #endif
    }

    /// Bytes malloc has handed out and not taken back (`mallinfo2`: `uordblks` + `hblkhd`);
    /// nil on a non-glibc platform. Walks every arena's free lists: call it every few seconds,
    /// not per batch.
    public static func heapInUseBytes() -> Int? {
        #if canImport(Glibc)
        let m = mallinfo2()
        return Int(m.uordblks + m.hblkhd)
        #else
        return nil
        #endif
    }

    /// The process's resident set size, **bytes** (second field of `/proc/self/statm`, in
    /// pages), or nil where unreadable.
    public static func residentBytes() -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/self/statm") else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
