/// The sends of output records (rejected copies, late corrections, verified events) whose
/// delivery the pipeline's loop has not awaited yet, oldest first, with their record count.
/// Owned by the loop (not shared across tasks); it holds at most a few dozen sends.
struct InFlightOutputs {
    private var pending: [(task: Task<Void, any Error>, records: Int)] = []
    /// Records of the sends not yet taken.
    private(set) var records = 0

    /// Sends not yet taken.
    var sends: Int { pending.count }

    /// Adds a send of `records` records.
    mutating func append(records n: Int, _ task: Task<Void, any Error>) {
        pending.append((task, n))
        records += n
    }

    /// Takes the oldest send (there must be one).
    mutating func removeFirst() -> Task<Void, any Error> {
        let first = pending.removeFirst()
        records -= first.records
        return first.task
    }

    /// Takes every send, oldest first (a commit awaits them all).
    mutating func takeAll() -> [Task<Void, any Error>] {
        defer {
            pending.removeAll(keepingCapacity: true)
            records = 0
        }
        return pending.map(\.task)
    }
}
