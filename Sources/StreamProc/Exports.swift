// StreamProc's public API speaks in Aggregates' types (Verdict, MalformedReason,
// RollingView, ClosedPane): importing StreamProc brings them along.
@_exported import Aggregates
