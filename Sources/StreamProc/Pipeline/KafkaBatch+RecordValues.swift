import KafkaIO
import ScanRules

/// A batch's values are judged in place, without copying (``ParallelJudge``).
extension KafkaBatch: RecordValues {}
