import Foundation

/// Scenario and district tables (spec v1, `scenarios.csv` and `districts.csv`);
/// dense indices `0..<count` in file order. Lookups by wire id/code are O(1)
/// and work straight from raw bytes.
public struct ReferenceData: Sendable {
    /// Scenarios in file order; an event's scenario index points here.
    public var scenarios: [Scenario] { storage.scenarios }
    /// Districts in file order; an event's district index points here.
    public var districts: [District] { storage.districts }

    /// One reference, so copies of `ReferenceData` cost a single retain.
    private final class Storage: Sendable {
        let scenarios: [Scenario]
        let districts: [District]
        let scenarioTable: ByteKeyTable
        let districtTable: ByteKeyTable

        init(scenarios: [Scenario], districts: [District]) {
            self.scenarios = scenarios
            self.districts = districts
            self.scenarioTable = ByteKeyTable(scenarios.map { Array($0.id.utf8) })
            self.districtTable = ByteKeyTable(districts.map { Array($0.code.utf8) })
        }
    }

    private let storage: Storage

    /// The tables compiled into the binary (`shared/data/*.csv` of spec v1: 20 scenarios, 41 districts).
    public static let embedded: ReferenceData = {
        do {
            return try ReferenceData(scenariosCSV: EmbeddedReferenceData.scenariosCSV,
                                     districtsCSV: EmbeddedReferenceData.districtsCSV)
        } catch {
            fatalError("embedded reference data is invalid: \(error)")  // compile-time constant, covered by tests
        }
    }()

    /// Parses both tables from RFC 4180 CSV text.
    ///
    /// `scenarios.csv` header: `id,number,name_zh,name_en,owner_zh,due`; `districts.csv` header:
    /// `code,name_zh,name_en,region,weight`. Ids must be non-empty and unique, codes 6 ASCII digits
    /// and unique, `number` and `weight` decimal integers; at least one row each.
    /// - Throws: ``ReferenceDataError`` naming `scenarios.csv`/`districts.csv`, line and column.
    public init(scenariosCSV: String, districtsCSV: String) throws {
        try self.init(scenariosCSV: scenariosCSV, scenariosName: "scenarios.csv",
                      districtsCSV: districtsCSV, districtsName: "districts.csv")
    }

    /// Loads the tables from files; a nil path takes the embedded table.
    /// - Throws: ``ReferenceDataError`` (unreadable file: line 0, or a CSV error with its position).
    public init(scenariosFile: String?, districtsFile: String?) throws {
        func read(_ path: String?, _ fallback: String) throws -> (String, String) {
            guard let path else { return (fallback, "(embedded)") }
            let bytes: [UInt8]
            do { bytes = try FileBytes.read(path) } catch {
                throw ReferenceDataError(file: path, line: 0, column: 0, message: "cannot read file: \(error.reason)")
            }
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw ReferenceDataError(file: path, line: 0, column: 0, message: "not UTF-8")
            }
            return (s, path)
        }
        let (s, sName) = try read(scenariosFile, EmbeddedReferenceData.scenariosCSV)
        let (d, dName) = try read(districtsFile, EmbeddedReferenceData.districtsCSV)
        try self.init(scenariosCSV: s, scenariosName: scenariosFile == nil ? "scenarios.csv (embedded)" : sName,
                      districtsCSV: d, districtsName: districtsFile == nil ? "districts.csv (embedded)" : dName)
    }

    private init(scenariosCSV: String, scenariosName: String, districtsCSV: String, districtsName: String) throws {
        let s = try ReferenceData.rows(scenariosCSV, file: scenariosName,
                                       header: ["id", "number", "name_zh", "name_en", "owner_zh", "due"])
        var scenarios: [Scenario] = []
        var seen = Set<String>()
        for r in s {
            let f = r.fields
            guard !f[0].isEmpty else {
                throw ReferenceDataError(file: scenariosName, line: r.line, column: 1, message: "empty id")
            }
            guard seen.insert(f[0]).inserted else {
                throw ReferenceDataError(file: scenariosName, line: r.line, column: 1, message: "duplicate id \(f[0])")
            }
            guard let number = ReferenceData.decimal(f[1]) else {
                throw ReferenceDataError(file: scenariosName, line: r.line, column: 2, message: "number is not an integer: \(f[1])")
            }
            scenarios.append(Scenario(id: f[0], number: number, nameZh: f[2], nameEn: f[3], ownerZh: f[4], due: f[5]))
        }
        let d = try ReferenceData.rows(districtsCSV, file: districtsName,
                                       header: ["code", "name_zh", "name_en", "region", "weight"])
        var districts: [District] = []
        seen = []
        for r in d {
            let f = r.fields
            guard f[0].utf8.count == 6, f[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw ReferenceDataError(file: districtsName, line: r.line, column: 1, message: "code is not 6 digits: \(f[0])")
            }
            guard seen.insert(f[0]).inserted else {
                throw ReferenceDataError(file: districtsName, line: r.line, column: 1, message: "duplicate code \(f[0])")
            }
            guard let weight = ReferenceData.decimal(f[4]) else {
                throw ReferenceDataError(file: districtsName, line: r.line, column: 5, message: "weight is not an integer: \(f[4])")
            }
            districts.append(District(code: f[0], nameZh: f[1], nameEn: f[2], region: f[3], weight: weight))
        }
        self.storage = Storage(scenarios: scenarios, districts: districts)
    }

    /// Records after the header, each with exactly `header.count` fields.
    private static func rows(_ text: String, file: String, header: [String]) throws -> [CSVTable.Record] {
        let t = try CSVTable(text, file: file)
        guard let first = t.records.first else {
            throw ReferenceDataError(file: file, line: 1, column: 1, message: "empty file")
        }
        guard first.fields == header else {
            throw ReferenceDataError(file: file, line: first.line, column: 1,
                                     message: "header must be \(header.joined(separator: ","))")
        }
        let rows = t.records.dropFirst().filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
        guard !rows.isEmpty else {
            throw ReferenceDataError(file: file, line: 2, column: 1, message: "no rows")
        }
        for r in rows where r.fields.count != header.count {
            throw ReferenceDataError(file: file, line: r.line, column: 0,
                                     message: "expected \(header.count) fields, found \(r.fields.count)")
        }
        return Array(rows)
    }

    private static func decimal(_ s: String) -> Int? {
        guard !s.isEmpty, s.utf8.count <= 18, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(s)
    }

    /// Index of the scenario whose `id` equals the UTF-8 `bytes`, or nil. O(1).
    public func scenarioIndex(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? { storage.scenarioTable.index(bytes) }

    /// Index of the scenario with this `id`, or nil. O(1).
    public func scenarioIndex(_ id: String) -> Int? {
        var id = id
        return id.withUTF8 { storage.scenarioTable.index($0) }
    }

    /// Index of the district whose `code` equals the UTF-8 `bytes`, or nil. O(1).
    public func districtIndex(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? { storage.districtTable.index(bytes) }

    /// Index of the district with this `code`, or nil. O(1).
    public func districtIndex(_ code: String) -> Int? {
        var code = code
        return code.withUTF8 { storage.districtTable.index($0) }
    }
}
