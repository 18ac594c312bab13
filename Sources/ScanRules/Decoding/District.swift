/// One row of `districts.csv` (spec v1, reference data): a district or county
/// of Chongqing (GB/T 2260 code) or a functional zone (project-local code 500190–500192).
public struct District: Sendable, Hashable {
    /// Six-digit code, e.g. `"500101"`; the event's `district` field (spec v1 §2).
    public let code: String
    /// Chinese name, e.g. `"万州区"`.
    public let nameZh: String
    /// English name, e.g. `"Wanzhou"`.
    public let nameEn: String
    /// Region label, e.g. `"northeast"`.
    public let region: String
    /// Approximate population in 10k people; a synthetic-load weight only.
    public let weight: Int

    public init(code: String, nameZh: String, nameEn: String, region: String, weight: Int) {
        self.code = code
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.region = region
        self.weight = weight
    }
}
