import LoadKit
import ScanRules
import KafkaIO
import LiveView
import Aggregates
import ArgumentParser
import Foundation
import StreamProc

/// `streamproc dashboard-demo [--listen HOST:PORT]` (hidden): serves the live
/// dashboard, the JSON API and `/metrics` over ``DemoLiveViewSource``'s
/// synthetic data, without Kafka. For screenshots and front-end work.
struct DashboardDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard-demo",
        abstract: "Serve the dashboard over synthetic data (no Kafka).",
        shouldDisplay: false
    )

    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 127.0.0.1:8080).")
    var listen = "127.0.0.1:8080"

    func run() async throws {
        let config: HTTPServerConfiguration
        do {
            config = try HTTPServerConfiguration(parsing: listen)
        } catch {
            throw ValidationError(error.description)
        }
        let source = DemoLiveViewSource()
        let now = { Int64(Date().timeIntervalSince1970 * 1000) }
        let metrics = StreamProcMetrics(startTimeMs: now())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await LiveViewServer.run(source: source, metrics: metrics, configuration: config) { port in
                    print("dashboard-demo: http://\(config.host.contains(":") ? "[\(config.host)]" : config.host):\(port)/")
                }
            }
            group.addTask {
                // Feed the Prometheus series from the synthetic status once a second.
                var previous = PerVerdict<UInt64>()
                while !Task.isCancelled {
                    let st = await source.status()
                    var delta = PerVerdict<UInt64>()
                    for v in Verdict.allCases { delta[v] = st.verdictTotals[v] &- min(previous[v], st.verdictTotals[v]) }
                    if previous.total > 0 { metrics.recordVerdicts(delta) }
                    previous = st.verdictTotals
                    metrics.setEventsPerSecond(st.eventsPerSecond)
                    for p in st.partitions {
                        metrics.setPartition(topic: p.topic, partition: p.partition, lag: p.lag,
                                             committedOffset: p.committedOffset, watermarkMs: p.watermarkMs)
                    }
                    try await Task.sleep(for: .seconds(1))
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
