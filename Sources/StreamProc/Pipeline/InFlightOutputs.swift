/// The sends of output records (rejected copies, late corrections, verified events) whose
/// delivery the pipeline's loop has not awaited yet, oldest first, with their record count.
/// Owned by the loop (not shared across tasks).
struct InFlightOutputs {
    private var tasks: [Task<Void, any Error>] = []
    private var counts: [Int] = []
    private var head = 0
    /// Records of the sends not yet taken.
    private(set) var records = 0

    /// Sends not yet taken.
    var sends: Int { tasks.count - head }

    /// Adds a send of `records` records.
    mutating func append(records n: Int, _ task: Task<Void, any Error>) {
        tasks.append(task)
        counts.append(n)
        records += n
    }

    /// Takes the oldest send (there must be one).
    mutating func removeFirst() -> Task<Void, any Error> {
        let task = tasks[head]
        records -= counts[head]
        head += 1
        if head == tasks.count { removeAll() }
        return task
    }

    /// Takes every send, oldest first (a commit awaits them all).
    mutating func takeAll() -> [Task<Void, any Error>] {
        let out = Array(tasks[head...])
        removeAll()
        return out
    }

    private mutating func removeAll() {
        tasks.removeAll(keepingCapacity: true)
        counts.removeAll(keepingCapacity: true)
        head = 0
        records = 0
    }
}
