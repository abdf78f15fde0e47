import ASPECTS
import Atlas
import Foundation
import ImageCore
import XCTest

/// Shared fixtures of the label-transfer tests: the atlas built once from the CT template in the data
/// folder, temporary folders and Dice.
enum LabelTransferFixture {
    /// Built on first use into a temporary folder; nil when the data folder is absent.
    static let atlas: Result<Atlas, Error>? = {
        guard let dir = DataPaths(environment: ProcessInfo.processInfo.environment).templateDirectory else { return nil }
        return Result {
            let anatomy = try TemplateAnatomy(directory: dir)
            let built = try AtlasBuilder().build(anatomy)
            let out = tempDirectory("atlas")
            try AtlasWriter(generator: "LabelTransferTests").write(built, anatomy: anatomy, to: out)
            return try Atlas(directory: out)
        }
    }()

    static func requireAtlas() throws -> Atlas {
        guard let a = atlas else { throw XCTSkip("no CT template in the data folder (../shared/data/ct_template)") }
        return try a.get()
    }

    static func tempDirectory(_ tag: String) -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("deepstroke-lt-\(tag)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    /// Dice of each label 1...20 present in either map (index = code; nil when absent from both).
    static func dice(_ a: Volume<UInt8>, _ b: Volume<UInt8>) -> [Double?] {
        var inter = [Int](repeating: 0, count: 21), ca = [Int](repeating: 0, count: 21), cb = [Int](repeating: 0, count: 21)
        for q in 0..<a.data.count {
            let x = Int(a.data[q]), y = Int(b.data[q])
            if x >= 1 && x <= 20 { ca[x] += 1 }
            if y >= 1 && y <= 20 { cb[y] += 1 }
            if x == y && x >= 1 && x <= 20 { inter[x] += 1 }
        }
        var out = [Double?](repeating: nil, count: 21)
        for l in 1...20 where ca[l] + cb[l] > 0 {
            out[l] = 2 * Double(inter[l]) / Double(ca[l] + cb[l])
        }
        return out
    }

    /// Mean Dice over the 20 labels (a label missing from one map counts 0).
    static func meanDice(_ a: Volume<UInt8>, _ b: Volume<UInt8>) -> Double {
        let d = dice(a, b)
        return (1...20).reduce(0.0) { $0 + (d[$1] ?? 0) } / 20
    }

    static func describe(_ d: [Double?]) -> String {
        ASPECTSRegion.all.map { r in "\(r): " + (d[r.code].map { String(format: "%.3f", $0) } ?? "-") }.joined(separator: ", ")
    }
}
