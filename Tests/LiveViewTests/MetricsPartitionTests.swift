import Aggregates
import Testing

@testable import LiveView

/// Issue 12: a partition's gauges exist only once they have a value.
@Suite("Metrics: partition series")
struct MetricsPartitionTests {
    static func lines(_ m: StreamProcMetrics) -> [String] {
        String(decoding: m.exposition(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func partitionWithoutWatermarkHasNoWatermarkSeries() {
        let m = StreamProcMetrics(startTimeMs: 0)
        m.setPartition(topic: "ykm.scans", partition: 0, lag: 5, committedOffset: 10)
        var lines = Self.lines(m)
        #expect(lines.contains(#"streamproc_consumer_lag{topic="ykm.scans",partition="0"} 5.0"#))
        #expect(lines.contains(#"streamproc_committed_offset{topic="ykm.scans",partition="0"} 10.0"#))
        #expect(!lines.contains { $0.hasPrefix("streamproc_watermark_seconds{") })

        // A lag-only update of another partition creates only its lag series.
        m.setPartition(topic: "ykm.scans", partition: 1, lag: 0)
        lines = Self.lines(m)
        #expect(lines.contains(#"streamproc_consumer_lag{topic="ykm.scans",partition="1"} 0.0"#))
        #expect(!lines.contains { $0.hasPrefix(#"streamproc_committed_offset{topic="ykm.scans",partition="1"}"#) })

        // The first watermark creates the series; a later nil leaves it as it was.
        m.setPartition(topic: "ykm.scans", partition: 0, watermarkMs: 1_764_400_060_000)
        m.setPartition(topic: "ykm.scans", partition: 0, lag: 2, watermarkMs: nil)
        lines = Self.lines(m)
        #expect(lines.contains(#"streamproc_watermark_seconds{topic="ykm.scans",partition="0"} 1764400060.0"#))
        #expect(lines.contains(#"streamproc_consumer_lag{topic="ykm.scans",partition="0"} 2.0"#))
        #expect(!lines.contains { $0.hasPrefix(#"streamproc_watermark_seconds{topic="ykm.scans",partition="1"}"#) })

        m.removePartition(topic: "ykm.scans", partition: 0)
        m.removePartition(topic: "ykm.scans", partition: 1)
        lines = Self.lines(m)
        #expect(!lines.contains { $0.contains(#"topic="ykm.scans""#) })
    }
}
