/// One row of `scenarios.csv` (spec v1, reference data): an application scenario of the pilot's task list.
public struct Scenario: Sendable, Hashable {
    /// Wire id, e.g. `"internet_cafe"`; the event's `scenario` field (spec v1 §2).
    public let id: String
    /// Task-list number, e.g. `1`.
    public let number: Int
    /// Chinese name, e.g. `"网吧扫码登记上网"`.
    public let nameZh: String
    /// English name, e.g. `"Internet cafe sign-in"`.
    public let nameEn: String
    /// Owning department (Chinese), e.g. `"市公安局"`.
    public let ownerZh: String
    /// Due month as written in the table, e.g. `"2023-08"`.
    public let due: String

    public init(id: String, number: Int, nameZh: String, nameEn: String, ownerZh: String, due: String) {
        self.id = id
        self.number = number
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.ownerZh = ownerZh
        self.due = due
    }
}
