import ASPECTS
import Foundation
import ImageCore

/// The JSON file that travels with every ASPECTS label image (`LABELS.nii.gz` -> `LABELS.json`): the
/// label convention written out in full (codes, names, sides, the 11-class mapping), so a label file
/// read years later, or by another tool, says what its numbers mean. Callers add their own fields
/// (rules and provenance for an atlas, QA figures for a transfer).
public enum LabelSidecar {
    /// Identifies the convention in the sidecar; readers refuse any other.
    public static let conventionName = "DeepStroke ASPECTS 20-label"

    /// `labels.nii.gz` -> `labels.json`, `x.nii` -> `x.json`.
    public static func url(for labelFile: URL) -> URL {
        var name = labelFile.lastPathComponent
        for ext in [".nii.gz", ".nii", ".gz"] where name.hasSuffix(ext) {
            name = String(name.dropLast(ext.count))
            break
        }
        return labelFile.deletingLastPathComponent().appendingPathComponent(name + ".json")
    }

    /// The convention as JSON-ready values.
    public static var convention: [String: Any] {
        let labels: [[String: Any]] = ASPECTSRegion.all.map { r in
            ["code": r.code, "name": r.name, "fullName": r.fullName, "side": r.hemisphere.rawValue,
             "class11": r.classIndex, "level": r.isSupraganglionic ? "supraganglionic" : "ganglionic"]
        }
        let classes: [[String: Any]] = [["index": 0, "name": "background"]]
            + ASPECTSRegion.names.enumerated().map { ["index": $0.offset + 1, "name": $0.element] }
        return [
            "convention": conventionName,
            "background": 0,
            "labels": labels,
            "classes11": classes,
            "class11Rule": "class = (code - 1) % 10 + 1 for codes 1-20, 0 for background; the side comes back from the midline",
        ]
    }

    /// Writes the sidecar of `labelFile` atomically: the convention plus `extra` top-level fields
    /// (which must be JSON values: strings, numbers, booleans, arrays, dictionaries).
    @discardableResult
    public static func write(for labelFile: URL, extra: [String: Any] = [:]) throws -> URL {
        var object = convention
        for (k, v) in extra { object[k] = v }
        let target = url(for: labelFile)
        guard JSONSerialization.isValidJSONObject(object) else {
            throw AtlasError(.output, file: target.path, problem: "the sidecar fields are not all JSON values")
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        do {
            try AtomicFile.write(data + Data("\n".utf8), to: target)
        } catch {
            throw AtlasError(.output, file: target.path, problem: "\(error)")
        }
        return target
    }

    /// Reads a sidecar and checks that it describes this convention (name and every code's region).
    public static func read(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AtlasError(.missingFile, file: url.path, problem: "cannot read the label sidecar")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw AtlasError(.invalidContent, file: url.path, problem: "not a JSON object")
        }
        guard let name = object["convention"] as? String, name == conventionName else {
            throw AtlasError(.invalidContent, file: url.path, problem: "describes the label convention '\(object["convention"] ?? "none")', not '\(conventionName)'")
        }
        if let labels = object["labels"] as? [[String: Any]] {
            for entry in labels {
                guard let code = (entry["code"] as? NSNumber)?.intValue, let region = ASPECTSRegion(code: code),
                      entry["name"] as? String == region.name, entry["side"] as? String == region.hemisphere.rawValue else {
                    throw AtlasError(.invalidContent, file: url.path, problem: "label entry \(entry) contradicts the convention")
                }
            }
        }
        return object
    }
}
