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

    /// Resets SIGINT and SIGTERM to their default action before anything else
    /// (``SignalWatcher/resetInterruptsToDefault()``: a background start by a shell script
    /// inherits SIGINT as ignored, and a Ctrl-C before `run` or `mock-broker` installs its
    /// watcher would vanish), then parses and runs the command.
    static func main() async {
        SignalWatcher.resetInterruptsToDefault()
        await main(nil)
    }
}
