import Foundation

/// The module table of docs/ARCHITECTURE.md: one row per Swift target, top to bottom, each row's
/// "depends on" cell naming targets and package products (other words, such as the C libraries'
/// own names in parentheses, are ignored).
struct ModuleTable {
    struct Row {
        let module: String
        let dependsOn: String
    }

    let rows: [Row]

    /// Reads the first Markdown table after the "## Modules" heading. The module is the first
    /// back-quoted name of a row's first cell; the last cell is the dependency list.
    init(url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let heading = text.range(of: "\n## Modules") else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(url.path) has no '## Modules' section"])
        }
        var found: [Row] = []
        var inTable = false
        for line in text[heading.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("|") {
                inTable = true
                let cells = trimmed.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                guard cells.count >= 3, let first = cells.first,
                      let open = first.firstIndex(of: "`"),
                      let close = first[first.index(after: open)...].firstIndex(of: "`") else { continue }
                found.append(Row(module: String(first[first.index(after: open)..<close]), dependsOn: String(cells.last!)))
            } else if inTable || trimmed.hasPrefix("#") {
                break
            }
        }
        rows = found
    }

    /// The names in `row`'s dependency cell that are in `known`.
    func dependencies(of row: Row, known: Set<String>) -> Set<String> {
        let words = row.dependsOn.split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        return Set(words.filter { known.contains($0) })
    }
}
