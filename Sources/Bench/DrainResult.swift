/// One backlog drain of `bench drain`: the processor (a `streamproc run` child) consumed a
/// pre-filled backlog of ``events`` records from a mock broker child.
struct DrainResult {
    /// `memory` or `store`.
    let configuration: String
    /// Events in the backlog (= `events_total` at the end).
    let events: Int
    /// Seconds from starting the processor until `events_total` reached ``events``.
    let drainS: Double
    /// Seconds from starting the processor until it reported assigned partitions (after the
    /// group join and, with a store, the claim and restore of each partition).
    let assignedS: Double
    /// Seconds from starting the processor until its first counted event.
    let firstEventS: Double
    /// Processor CPU seconds (user + system) from its start to the end of the drain.
    let processorCPUS: Double
    /// Processor CPU seconds from its first counted event to the end of the drain.
    let processorDrainCPUS: Double
    /// Mock broker CPU seconds while the processor drained (its start to the end).
    let brokerCPUS: Double
    /// Producer child CPU seconds (filling the backlog, before the processor started).
    let producerCPUS: Double
    /// Seconds the producer child took to get every event acknowledged.
    let produceS: Double
    /// Peak resident set size of the processor, bytes (VmHWM).
    let processorPeakRSSBytes: Int
    /// Seconds `events_total` took from 10 % to 90 % of ``events`` (interpolated between the
    /// 100 ms polls): the drain without its ramp (fetches starting on every partition) and tail
    /// (the last partitions and small batches).
    let middleS: Double
    /// Processor CPU seconds over that middle span.
    let middleCPUS: Double
    /// 1-minute load average when the processor started and when the drain ended.
    let loadStart: Double, loadEnd: Double

    /// Events per second over the whole drain (processor start to the last event).
    var eventsPerS: Double { drainS > 0 ? Double(events) / drainS : 0 }
    /// Events per second from the first counted event to the last (startup excluded).
    var steadyEventsPerS: Double { drainS > firstEventS ? Double(events) / (drainS - firstEventS) : 0 }
    /// Events per second from 10 % to 90 % of the backlog: the steady state.
    var middleEventsPerS: Double { middleS > 0 ? 0.8 * Double(events) / middleS : 0 }
    /// Processor CPU microseconds per event from 10 % to 90 % of the backlog.
    var middleCPUMicrosPerEvent: Double { events > 0 ? middleCPUS / (0.8 * Double(events)) * 1e6 : 0 }
    /// Processor cores busy from 10 % to 90 % of the backlog (CPU seconds / seconds).
    var middleCores: Double { middleS > 0 ? middleCPUS / middleS : 0 }
    /// Processor CPU microseconds per event, whole run (startup included).
    var cpuMicrosPerEvent: Double { events > 0 ? processorCPUS / Double(events) * 1e6 : 0 }
    /// Processor CPU microseconds per event from the first counted event on.
    var drainCPUMicrosPerEvent: Double { events > 0 ? processorDrainCPUS / Double(events) * 1e6 : 0 }

    /// The figures of the table and the JSON, in column order, with their names and decimals.
    var figures: [(name: String, value: Double, digits: Int)] {
        [("events_per_s", eventsPerS, 0), ("steady_events_per_s", steadyEventsPerS, 0),
         ("middle_events_per_s", middleEventsPerS, 0), ("middle_cpu_us_per_event", middleCPUMicrosPerEvent, 1),
         ("middle_cores", middleCores, 2), ("drain_s", drainS, 2),
         ("assigned_s", assignedS, 2), ("first_event_s", firstEventS, 2), ("processor_cpu_s", processorCPUS, 2),
         ("cpu_us_per_event", cpuMicrosPerEvent, 1), ("drain_cpu_us_per_event", drainCPUMicrosPerEvent, 1),
         ("broker_cpu_s", brokerCPUS, 2), ("producer_cpu_s", producerCPUS, 2), ("produce_s", produceS, 1),
         ("peak_rss_mib", Double(processorPeakRSSBytes) / 1_048_576, 1), ("load_start", loadStart, 2),
         ("load_end", loadEnd, 2)]
    }
}
