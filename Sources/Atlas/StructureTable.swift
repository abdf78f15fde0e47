import ASPECTS
import Foundation

/// The template's anatomical label names (`structure_labels.csv`: index,name,ignore). Names follow the
/// Neuromorphometrics style "Right MFG middle frontal gyrus" / "Left Caudate"; the `ignore` column
/// marks labels the template's author considers unreliable, which the atlas rules never use.
public struct StructureTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public let index: Int
        public let name: String
        public let ignore: Bool
    }

    public let entries: [Entry]
    let file: String

    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw AtlasError(.missingFile, file: url.path, problem: "cannot read the structure names")
        }
        try self.init(csv: text, file: url.path)
    }

    public init(csv: String, file: String = "structure_labels.csv") throws {
        var out: [Entry] = []
        for (n, raw) in csv.split(whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || (n == 0 && line.lowercased().hasPrefix("index")) { continue }
            // The name may itself contain commas; index is the first field, ignore the last.
            guard let first = line.firstIndex(of: ","), let last = line.lastIndex(of: ","), first < last,
                  let index = Int(line[..<first].trimmingCharacters(in: .whitespaces)) else {
                throw AtlasError(.invalidContent, file: file, problem: "line \(n + 1) is not 'index,name,ignore': \(line)")
            }
            let name = line[line.index(after: first)..<last].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
            let flag = line[line.index(after: last)...].trimmingCharacters(in: .whitespaces).uppercased()
            out.append(Entry(index: index, name: name, ignore: flag == "TRUE" || flag == "1"))
        }
        guard !out.isEmpty else { throw AtlasError(.invalidContent, file: file, problem: "no structure names") }
        entries = out
        self.file = file
    }

    /// Reliable structures of `side` whose name, after "Right "/"Left ", is `key` or starts with
    /// `key + " "` ("MFG" matches "Right MFG middle frontal gyrus").
    public func indices(_ keys: [String], side: Hemisphere) -> Set<Int> {
        let prefix = side == .right ? "Right " : "Left "
        var out = Set<Int>()
        for e in entries where !e.ignore && e.name.hasPrefix(prefix) {
            let rest = e.name.dropFirst(prefix.count)
            if keys.contains(where: { rest == $0 || rest.hasPrefix($0 + " ") }) { out.insert(e.index) }
        }
        return out
    }

    /// Like `indices`, but every key must name at least one reliable structure on that side: a rule
    /// silently losing a structure would quietly change the atlas.
    public func requiredIndices(_ keys: [String], side: Hemisphere) throws -> Set<Int> {
        for key in keys where indices([key], side: side).isEmpty {
            throw AtlasError(.anatomy, file: file, problem: "no reliable structure named '\(side == .right ? "Right" : "Left") \(key)'")
        }
        return indices(keys, side: side)
    }

    /// Pairs of reliable structures present on both sides ("Right X" with "Left X").
    public var bilateralPairs: [(right: Int, left: Int)] {
        var left: [String: Int] = [:]
        for e in entries where !e.ignore && e.name.hasPrefix("Left ") { left[String(e.name.dropFirst(5))] = e.index }
        return entries.compactMap { e in
            guard !e.ignore, e.name.hasPrefix("Right "), let l = left[String(e.name.dropFirst(6))] else { return nil }
            return (e.index, l)
        }
    }
}
