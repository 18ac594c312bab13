import ScanRules
import Aggregates

/// The synthetic workload's model of Chongqing's scan traffic: scenario shares,
/// district weights (`weight` of districts.csv), a diurnal curve, and valid
/// `detail` objects per scenario (spec v1 §6).
///
/// Shares are plausible guesses (transit dominates: the one-code transit service is
/// the largest scenario; payments and hospitals follow), not facts to report.
struct LoadScenarioModel: Sendable {
    /// One field of a `detail` object.
    enum Value: Sendable, Equatable {
        case string(String)
        case int(Int)
    }

    /// Scenario ids (scenarios.csv) with their share of scans and the share of `show`
    /// mode (the person scans the venue's code).
    static let scenarios: [(id: String, share: Double, show: Double)] = [
        ("transit", 40, 0), ("payment", 12, 0.15), ("hospital", 8, 0.1),
        ("community_access", 6, 0.05), ("service_hall", 4, 0.3), ("pharmacy", 4, 0.1),
        ("internet_cafe", 3, 0.2), ("hotel_checkin", 3, 0.05), ("campus", 3, 0),
        ("park_access", 3, 0.05), ("utilities", 3, 0.2), ("bank", 2, 0.1),
        ("scenic_entry", 2, 0.3), ("cultural_venue", 1.5, 0.4), ("tax", 1, 0.2),
        ("traffic_fine", 1, 0.2), ("nontax_payment", 1, 0.2), ("subsidy", 0.8, 0.3),
        ("housing_fund", 0.8, 0.3), ("agri_policy", 0.9, 0.7),
    ]

    /// Relative scan rate per local hour (Asia/Shanghai) 0…23: night trough,
    /// morning (8h) and evening (18h) commuter peaks.
    static let hourly: [Double] = [
        0.15, 0.08, 0.05, 0.04, 0.05, 0.15, 0.5, 1.6, 2.0, 1.4, 1.1, 1.2,
        1.3, 1.0, 1.0, 1.05, 1.2, 1.8, 2.0, 1.4, 1.0, 0.8, 0.5, 0.3,
    ]

    private let scenarioCumulative: [Double]
    /// District codes and cumulative weights.
    let districts: [String]
    private let districtCumulative: [Double]
    private let hourlyMeanFactor: Double

    init() {
        var acc = 0.0
        scenarioCumulative = Self.scenarios.map { acc += $0.share; return acc }
        var codes: [String] = []; var cum: [Double] = []; var w = 0.0
        for line in EmbeddedReferenceData.districtsCSV.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 5, let weight = Double(f[f.count - 1]), weight > 0 else { continue }
            codes.append(String(f[0])); w += weight; cum.append(w)
        }
        districts = codes; districtCumulative = cum
        hourlyMeanFactor = Self.hourly.reduce(0, +) / Double(Self.hourly.count)
    }

    private static func pick(_ cumulative: [Double], _ rng: inout LoadRandom) -> Int {
        guard let total = cumulative.last else { return 0 }
        let x = rng.unit() * total
        var lo = 0, hi = cumulative.count - 1
        while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] > x { hi = mid } else { lo = mid + 1 } }
        return lo
    }

    /// Index into ``scenarios``, drawn by share.
    func drawScenario(_ rng: inout LoadRandom) -> Int { Self.pick(scenarioCumulative, &rng) }

    /// A district code drawn by population weight.
    func drawDistrict(_ rng: inout LoadRandom) -> String {
        districts.isEmpty ? "500103" : districts[Self.pick(districtCumulative, &rng)]
    }

    /// The diurnal factor at `timeMs` (epoch ms): mean 1 over a day, linear between
    /// hour centres in Asia/Shanghai (UTC+8).
    func diurnalFactor(atMs timeMs: Int64) -> Double {
        let dayMs: Int64 = 86_400_000
        let local = ((timeMs + 8 * 3_600_000) % dayMs + dayMs) % dayMs
        let h = Double(local) / 3_600_000 - 0.5  // hour centres at x.5
        let hw = h < 0 ? h + 24 : h
        let h0 = min(Int(hw), 23)
        let frac = hw - Double(h0)
        let v = Self.hourly[h0] * (1 - frac) + Self.hourly[(h0 + 1) % 24] * frac
        return v / hourlyMeanFactor
    }

    /// `PREF-1234`: the field name's first word (≤ 4 letters, upper case) and 4 digits, as in the corpus.
    static func identifier(_ field: String, _ rng: inout LoadRandom) -> Value {
        let word = field.split(separator: "_").first.map { String($0.prefix(4)).uppercased() } ?? "ID"
        let n = rng.below(10_000)
        let digits = String(n)
        return .string(word + "-" + String(repeating: "0", count: 4 - digits.count) + digits)
    }

    private static func oneOf(_ values: [String], _ rng: inout LoadRandom) -> Value {
        .string(values[rng.below(values.count)])
    }

    private static func amount(_ values: [Int], _ rng: inout LoadRandom) -> Value {
        .int(values[rng.below(values.count)])
    }

    /// A `detail` object valid for scenario `index` (spec v1 §6), in field order:
    /// required fields first, then optional ones present with some probability.
    /// `required` counts the leading required fields.
    func detail(scenario index: Int, _ rng: inout LoadRandom) -> (fields: [(String, Value)], required: Int) {
        var f: [(String, Value)] = []
        func id(_ k: String) { f.append((k, Self.identifier(k, &rng))) }
        func en(_ k: String, _ v: [String]) { f.append((k, Self.oneOf(v, &rng))) }
        func am(_ k: String, _ v: [Int]) { f.append((k, Self.amount(v, &rng))) }
        var req = 0
        switch Self.scenarios[index].id {
        case "internet_cafe":
            id("venue_id"); req = 1; if rng.chance(0.5) { id("seat") }
        case "hotel_checkin":
            id("hotel_id"); f.append(("guests", .int([1, 1, 1, 2, 2, 3, 4][rng.below(7)]))); req = 2
            if rng.chance(0.7) { id("room") }
        case "cultural_venue":
            id("venue_id"); en("action", ["reserve", "enter", "enter"]); req = 2
        case "transit":
            let mode = ["metro", "metro", "metro", "bus", "bus", "bus", "rail", "ferry"][rng.below(8)]
            f.append(("mode", .string(mode)))
            f.append(("line", .string("LINE-" + String(rng.int(1...(mode == "bus" ? 999 : 20))))))
            id("station"); en("direction", ["in", "out"]); req = 4
            if rng.chance(0.6) { am("fare_fen", [200, 200, 300, 400, 500, 600, 700]) }
        case "payment":
            id("merchant_id"); am("amount_fen", [500, 1200, 1800, 2500, 3800, 6800, 12800, 25000, 59900, 128800]); req = 2
            if rng.chance(0.6) { en("channel", ["ecny", "bank", "bank", "voucher"]) }
        case "bank":
            id("bank_code"); en("service", ["queue", "queue", "authorize"]); req = 2
            if rng.chance(0.5) { id("branch_id") }
        case "housing_fund":
            en("action", ["balance", "balance", "withdrawal_status", "loan_certificate"]); req = 1
        case "park_access":
            id("park_id"); en("direction", ["in", "out"]); req = 2; if rng.chance(0.6) { id("gate") }
        case "pharmacy":
            id("pharmacy_id")
            let amount = [1250, 2680, 4590, 8800, 15600, 32000][rng.below(6)]
            f.append(("amount_fen", .int(amount))); req = 2
            if rng.chance(0.7) { f.append(("insurance_fen", .int(amount * rng.int(30...90) / 100))) }
        case "scenic_entry":
            id("scenic_id"); en("ticket", ["annual_pass", "single", "single"]); req = 2
        case "agri_policy":
            id("policy_id"); en("action", ["view", "view", "view", "apply"]); req = 2
        case "community_access":
            id("community_id"); en("direction", ["in", "out"]); req = 2; if rng.chance(0.5) { id("gate") }
        case "nontax_payment":
            id("item_code"); am("amount_fen", [1000, 2000, 5000, 10000, 20000, 50000]); req = 2
        case "subsidy":
            id("program_id")
            let disburse = rng.chance(0.4)
            f.append(("action", .string(disburse ? "disburse" : "apply"))); req = 2
            if disburse { am("amount_fen", [50000, 100000, 200000, 300000]) }
        case "campus":
            id("school_id"); en("facility", ["gate", "gate", "gate", "library"]); req = 2
        case "service_hall":
            id("hall_id"); en("action", ["ticket", "ticket", "kiosk_login", "license_fetch"]); req = 2
        case "utilities":
            en("utility", ["water", "power", "gas"])
            let pay = rng.chance(0.6)
            f.append(("action", .string(pay ? "pay" : "query"))); req = 2
            if pay { am("amount_fen", [3500, 5200, 8800, 15600, 26000]) }
        case "traffic_fine":
            id("decision_no"); am("amount_fen", [2000, 5000, 10000, 20000]); req = 2
        case "tax":
            id("tax_type"); am("amount_fen", [12000, 35600, 120000, 450000]); req = 2
        case "hospital":
            id("hospital_id")
            en("action", ["register", "checkin", "queue", "exam", "pharmacy", "report", "admission", "records", "settlement"])
            req = 2
            if rng.chance(0.6) { id("dept") }
        default:
            break
        }
        return (f, req)
    }
}
