import Foundation
import XCTest

/// docs/ARCHITECTURE.md's module table is the truth about dependencies: every target of Package.swift
/// has a row, each row lists exactly the target's declared dependencies, a module depends only on
/// modules above it, and no source file imports a module its target does not declare (SwiftPM lets a
/// target import anything reachable through its dependencies, so the manifest alone does not keep the
/// layers honest).
final class ModuleLayeringTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var manifest: PackageManifest!
    var table: ModuleTable!

    override func setUpWithError() throws {
        manifest = try PackageManifest(url: root.appendingPathComponent("Package.swift"))
        table = try ModuleTable(url: root.appendingPathComponent("docs/ARCHITECTURE.md"))
    }

    /// Targets the table must document: the project's Swift code (not C module maps, not test targets).
    var modules: [PackageManifest.Target] { manifest.targets.filter { $0.kind == .library || $0.kind == .executable } }

    /// The parser sees every target the manifest declares (counted by `name:` and helper calls), so a
    /// new manifest form cannot slip past the other checks unseen.
    func testManifestParsesEveryTarget() throws {
        let declared = try NSRegularExpression(pattern: #"(\bmodule\(\s*"|\btests\(\s*"|Target\(\s*name:\s*"|\.target\(\s*name:\s*"|\.systemLibrary\(\s*name:\s*")"#)
            .numberOfMatches(in: manifest.text, range: NSRange(manifest.text.startIndex..., in: manifest.text))
        XCTAssertEqual(manifest.targets.count, declared, "targets parsed: \(manifest.targets.map(\.name))")
        XCTAssertGreaterThanOrEqual(modules.count, 12, "too few targets parsed from Package.swift: \(modules.map(\.name))")
        XCTAssertGreaterThanOrEqual(table.rows.count, 12, "too few rows parsed from docs/ARCHITECTURE.md: \(table.rows.map(\.module))")
    }

    func testEveryTargetHasExactlyOneRowAndEveryRowATarget() {
        let rowNames = table.rows.map(\.module)
        for m in modules {
            XCTAssertEqual(rowNames.filter { $0 == m.name }.count, 1, "docs/ARCHITECTURE.md must have one row for target \(m.name)")
        }
        for r in rowNames where !modules.contains(where: { $0.name == r }) {
            XCTFail("docs/ARCHITECTURE.md has a row for \(r), which is not a target in Package.swift")
        }
    }

    func testDocumentedDependenciesAreTheDeclaredOnes() {
        for row in table.rows {
            guard let target = manifest.target(row.module) else { continue }
            let documented = table.dependencies(of: row, known: manifest.knownNames)
            let declared = Set(target.dependencies)
            for d in declared.subtracting(documented).sorted() {
                XCTFail("\(row.module) depends on \(d) in Package.swift, but docs/ARCHITECTURE.md does not list it")
            }
            for d in documented.subtracting(declared).sorted() {
                XCTFail("docs/ARCHITECTURE.md lists \(d) for \(row.module), but Package.swift does not declare it")
            }
        }
    }

    func testModulesDependOnlyOnModulesAboveThem() {
        let order = Dictionary(table.rows.enumerated().map { ($1.module, $0) }, uniquingKeysWith: { a, _ in a })
        for (i, row) in table.rows.enumerated() {
            for d in table.dependencies(of: row, known: manifest.knownNames) {
                if let j = order[d], j >= i { XCTFail("\(row.module) depends on \(d), which is not above it in docs/ARCHITECTURE.md") }
            }
        }
    }

    func testSourcesImportOnlyDeclaredDependencies() throws {
        let importRE = try NSRegularExpression(
            pattern: #"^\s*(?:@\w+\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)"#,
            options: [.anchorsMatchLines])
        var scanned = 0
        for target in modules {
            let dir = root.appendingPathComponent("Sources").appendingPathComponent(target.name)
            guard let files = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil) else {
                XCTFail("no source folder \(dir.path) for target \(target.name)"); continue
            }
            for case let file as URL in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                scanned += 1
                for m in importRE.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    guard let name = Range(m.range(at: 1), in: text).map({ String(text[$0]) }),
                          manifest.knownNames.contains(name), name != target.name else { continue }
                    if !target.dependencies.contains(name) {
                        XCTFail("Sources/\(target.name)/\(file.lastPathComponent) imports \(name), which \(target.name) does not declare in Package.swift (nor docs/ARCHITECTURE.md)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(scanned, 100, "too few Swift files scanned under Sources/")
    }
}
