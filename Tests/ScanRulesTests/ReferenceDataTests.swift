import Foundation
import Testing
@testable import ScanRules
import Aggregates
import LoadKit
import StreamProcTesting

@Suite struct ReferenceDataTests {
    @Test func embeddedTables() throws {
        let r = ReferenceData.embedded
        #expect(r.scenarios.count == 20)
        #expect(r.districts.count == 41)
        #expect(r.scenarios[0] == Scenario(id: "internet_cafe", number: 1, nameZh: "网吧扫码登记上网",
                                           nameEn: "Internet cafe sign-in", ownerZh: "市公安局", due: "2023-08"))
        // Row 4 (transit): quoted field with "" escapes.
        #expect(r.scenarios[3].id == "transit")
        #expect(r.scenarios[3].nameZh == "\"一码通乘\"服务")
        #expect(r.scenarios[3].nameEn == "One-code public transit")
        // Quoted field holding a comma.
        #expect(r.scenarios[16].nameEn == "Water, power and gas bills")
        #expect(r.scenarios[19].id == "hospital")
        #expect(r.scenarios.map(\.number) == Array(1...20))
        #expect(r.districts[7] == District(code: "500108", nameZh: "南岸区", nameEn: "Nan'an", region: "central", weight: 120))
        #expect(r.districts[40].code == "500192")
        #expect(r.districts.map(\.weight).reduce(0, +) == 3285)
    }

    @Test func lookups() {
        let r = ReferenceData.embedded
        for (i, s) in r.scenarios.enumerated() { #expect(r.scenarioIndex(s.id) == i) }
        for (i, d) in r.districts.enumerated() { #expect(r.districtIndex(d.code) == i) }
        #expect(r.scenarioIndex("casino") == nil)
        #expect(r.scenarioIndex("") == nil)
        #expect(r.scenarioIndex("Transit") == nil)
        #expect(r.districtIndex("50010") == nil)
        #expect(r.districtIndex("500199") == nil)
        let bytes: [UInt8] = Array("500241".utf8)
        #expect(bytes.withUnsafeBufferPointer { r.districtIndex($0) } == 35)
    }

    @Test func filesEqualEmbedded() throws {
        let root = SharedFixtures.root + "/data/"
        let f = try ReferenceData(scenariosFile: root + "scenarios.csv", districtsFile: root + "districts.csv")
        #expect(f.scenarios == ReferenceData.embedded.scenarios)
        #expect(f.districts == ReferenceData.embedded.districts)
        let n = try ReferenceData(scenariosFile: nil, districtsFile: nil)
        #expect(n.scenarios == ReferenceData.embedded.scenarios)
    }

    @Test func crlfAndNoFinalNewline() throws {
        let r = try ReferenceData(scenariosCSV: "id,number,name_zh,name_en,owner_zh,due\r\na,1,\"x\r\ny\",B,C,D",
                                  districtsCSV: "code,name_zh,name_en,region,weight\n500101,a,b,c,1\n")
        #expect(r.scenarios == [Scenario(id: "a", number: 1, nameZh: "x\r\ny", nameEn: "B", ownerZh: "C", due: "D")])
        #expect(r.districts.count == 1)
    }

    static let districtsOK = "code,name_zh,name_en,region,weight\n500101,a,b,c,1\n"
    static let header = "id,number,name_zh,name_en,owner_zh,due\n"

    @Test func errorsNameFileLineColumn() {
        func err(_ s: String, _ d: String = Self.districtsOK) -> ReferenceDataError? {
            do { _ = try ReferenceData(scenariosCSV: s, districtsCSV: d); return nil } catch let e as ReferenceDataError {
                return e
            } catch { return nil }
        }
        #expect(err(Self.header + "a,1,\"open,B,C,D\n") ==
                ReferenceDataError(file: "scenarios.csv", line: 2, column: 5, message: "unterminated quoted field"))
        #expect(err(Self.header + "a,1,x\"y,B,C,D\n") ==
                ReferenceDataError(file: "scenarios.csv", line: 2, column: 6, message: "stray double quote"))
        #expect(err(Self.header + "a,1,\"x\"y,B,C,D\n") ==
                ReferenceDataError(file: "scenarios.csv", line: 2, column: 8, message: "text after a closing double quote"))
        #expect(err(Self.header + "a,1,x,B,C\n")?.line == 2)
        #expect(err(Self.header + "a,1,x,B,C\n")?.message == "expected 6 fields, found 5")
        #expect(err(Self.header + "a,1,x,B,C,D\na,2,x,B,C,D\n")?.message == "duplicate id a")
        #expect(err(Self.header + "a,one,x,B,C,D\n")?.column == 2)
        #expect(err("id,num\n")?.line == 1)
        #expect(err(Self.header) == ReferenceDataError(file: "scenarios.csv", line: 2, column: 1, message: "no rows"))
        let d = err(Self.header + "a,1,x,B,C,D\n", "code,name_zh,name_en,region,weight\n50010,a,b,c,1\n")
        #expect(d?.file == "districts.csv")
        #expect(d?.line == 2)
        #expect(d?.description == "districts.csv:2:1: code is not 6 digits: 50010")
    }

    @Test func missingFileIsAnError() {
        #expect(throws: ReferenceDataError.self) {
            _ = try ReferenceData(scenariosFile: "/nonexistent/scenarios.csv", districtsFile: nil)
        }
    }
}
