import Foundation

/// The targets of `Package.swift` and their dependencies, read from its text.
///
/// Parsed with patterns rather than by running `swift package dump-package` so the test needs no
/// toolchain call and no network (dump-package may resolve packages). The patterns cover the forms the
/// manifest uses: the `module(...)` and `tests(...)` helpers, `.target`/`.executableTarget`/
/// `.systemLibrary(name: ...)`, and `.product(name: ..., package: ...)` dependencies. A target written
/// in another form is not seen, and `testManifestParsesEveryTarget` fails, so the parser grows with the
/// manifest instead of passing vacuously.
struct PackageManifest {
    enum Kind { case library, executable, system, test }

    struct Target {
        let name: String
        let kind: Kind
        /// Target and product names it depends on, in manifest order.
        let dependencies: [String]
    }

    let text: String
    let targets: [Target]
    /// Product names of package dependencies (`GRDB`, `ArgumentParser`).
    let products: Set<String>

    init(url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var found: [Target] = []
        let forms: [(String, Kind)] = [
            (#"\bmodule\(\s*"(\w+)"\s*(?:,\s*\[(.*?)\])?\s*\)"#, .library),
            (#"\btests\(\s*"(\w+)"\s*,\s*\[(.*?)\]\s*\)"#, .test),
            (#"\.target\(\s*name:\s*"(\w+)"\s*(?:,\s*dependencies:\s*\[(.*?)\])?"#, .library),
            (#"\.executableTarget\(\s*name:\s*"(\w+)"\s*(?:,\s*dependencies:\s*\[(.*?)\])?"#, .executable),
            (#"\.testTarget\(\s*name:\s*"(\w+)"\s*(?:,\s*dependencies:\s*\[(.*?)\])?"#, .test),
            (#"\.systemLibrary\(\s*name:\s*"(\w+)"()"#, .system),
        ]
        for (pattern, kind) in forms {
            let re = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
            for m in re.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let name = Range(m.range(at: 1), in: text).map({ String(text[$0]) }) else { continue }
                let deps = Range(m.range(at: 2), in: text).map { Self.dependencyNames(String(text[$0])) } ?? []
                found.append(Target(name: name, kind: kind, dependencies: deps))
            }
        }
        self.text = text
        targets = found
        let productRE = try NSRegularExpression(pattern: #"\.product\(\s*name:\s*"(\w+)""#)
        products = Set(productRE.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        })
    }

    /// `"A", .product(name: "B", package: "C")` -> [A, B]: the package name is not a dependency.
    static func dependencyNames(_ list: String) -> [String] {
        let withoutPackages = list.replacingOccurrences(of: #",\s*package:\s*"[^"]*""#, with: "", options: .regularExpression)
        let re = try! NSRegularExpression(pattern: #""([^"]+)""#)
        return re.matches(in: withoutPackages, range: NSRange(withoutPackages.startIndex..., in: withoutPackages)).compactMap {
            Range($0.range(at: 1), in: withoutPackages).map { String(withoutPackages[$0]) }
        }
    }

    /// Every name a dependency list or an import can refer to.
    var knownNames: Set<String> { Set(targets.map(\.name)).union(products) }

    func target(_ name: String) -> Target? { targets.first { $0.name == name } }
}
