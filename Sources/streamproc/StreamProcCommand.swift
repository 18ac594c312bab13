import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import StreamProc

@main
struct StreamProcCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streamproc",
        abstract: "Stream processor for 渝快码 scan events (spec v1).",
        subcommands: [RunCommand.self, ReplayCommand.self, MockBrokerCommand.self, DashboardDemoCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
