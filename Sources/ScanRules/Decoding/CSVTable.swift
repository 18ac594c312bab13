/// A minimal RFC 4180 CSV reader for the reference tables: comma-separated
/// fields, records ended by CRLF or LF (a missing final line break is fine),
/// fields optionally in double quotes with `""` standing for one quote
/// (quoted fields may hold commas and line breaks).
struct CSVTable {
    /// One record with the 1-based line its first field starts on.
    struct Record { var line: Int; var fields: [String] }

    var records: [Record]

    /// Parses `text`; `file` names the source in errors.
    /// - Throws: ``ReferenceDataError`` with the line and column (1-based, in characters) of a stray quote
    ///   or an unterminated quoted field.
    init(_ text: String, file: String) throws {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1, col = 0
        var recordLine = 1
        var inQuotes = false
        var quotedField = false
        var afterQuote = false   // just closed a quoted field; only , or a line break may follow
        var quoteLine = 0, quoteCol = 0
        var it = text.unicodeScalars.makeIterator()
        var lookahead: Unicode.Scalar? = nil
        func endRecord() {
            fields.append(field)
            records.append(Record(line: recordLine, fields: fields))
            fields = []; field = ""; quotedField = false; afterQuote = false
        }
        while true {
            let next: Unicode.Scalar?
            if let l = lookahead { next = l; lookahead = nil } else { next = it.next() }
            guard let c = next else { break }
            col += 1
            if inQuotes {
                if c == "\"" {
                    let n = it.next()
                    if n == "\"" { field.unicodeScalars.append("\""); col += 1; continue }
                    inQuotes = false; afterQuote = true
                    lookahead = n
                } else {
                    field.unicodeScalars.append(c)
                    if c == "\n" { line += 1; col = 0 }
                }
                continue
            }
            switch c {
            case ",":
                fields.append(field); field = ""; quotedField = false; afterQuote = false
            case "\r":
                let n = it.next()
                if n != "\n" {
                    throw ReferenceDataError(file: file, line: line, column: col, message: "bare carriage return")
                }
                endRecord(); line += 1; col = 0; recordLine = line
            case "\n":
                endRecord(); line += 1; col = 0; recordLine = line
            case "\"":
                guard field.isEmpty && !quotedField && !afterQuote else {
                    throw ReferenceDataError(file: file, line: line, column: col, message: "stray double quote")
                }
                inQuotes = true; quotedField = true; quoteLine = line; quoteCol = col
            default:
                if afterQuote {
                    throw ReferenceDataError(file: file, line: line, column: col,
                                             message: "text after a closing double quote")
                }
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes {
            throw ReferenceDataError(file: file, line: quoteLine, column: quoteCol, message: "unterminated quoted field")
        }
        if !field.isEmpty || !fields.isEmpty || quotedField { endRecord() }
        self.records = records
    }
}

/// A reference table that cannot be loaded: names the file, the 1-based line and column, and what is wrong.
public struct ReferenceDataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file name (or `scenarios.csv` / `districts.csv` for text given directly).
    public let file: String
    /// 1-based line; 0 when the whole file is concerned.
    public let line: Int
    /// 1-based column in characters; 0 when a whole line or file is concerned.
    public let column: Int
    /// What is wrong, e.g. `"expected 6 fields, found 5"`.
    public let message: String

    public var description: String { "\(file):\(line):\(column): \(message)" }
}
