/// One sample of `bench soak`, taken every `--sample-s` seconds.
struct SoakSample {
    /// Seconds since the processor started.
    let elapsedS: Double
    /// The processor's resident set size, bytes (VmRSS).
    let rssBytes: Int
    /// The processor's heap in use, bytes (`streamproc_heap_in_use_bytes`, sampled by the processor
    /// every 5 s), nil when its `/metrics` lacks it.
    let heapBytes: Int?
    /// `events_total` of the processor's status.
    let eventsTotal: UInt64
    /// Events counted per second since the previous sample.
    let eventsPerS: Double
    /// Processor CPU seconds (user + system) since the previous sample, per wall second (1.0 = one core busy).
    let processorCores: Double
    /// 1-minute load average of the machine.
    let load: Double

    /// ``rssBytes`` in MiB.
    var rssMiB: Double { Double(rssBytes) / 1_048_576 }
    /// ``heapBytes`` in MiB.
    var heapMiB: Double? { heapBytes.map { Double($0) / 1_048_576 } }
}
