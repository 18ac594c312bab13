import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import StreamProc

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks of streamproc for capacity planning (release builds only).",
        subcommands: [VerifySpeed.self, DecodeSpeed.self, JudgeSpeed.self, AggregateSpeed.self, ConsumeSpeed.self, Generate.self, Produce.self, Run.self, Drain.self, Soak.self, Plan.self, Chart.self]
    )
}
