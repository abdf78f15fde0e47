import Foundation
import ImageCore
import NIfTI

/// Finds (image, label) NIfTI pairs and loads them as training samples.
///
/// Accepted layouts: a CSV manifest with `image,label` columns (a header line naming them, paths
/// relative to the manifest), a JSON manifest (`[{"image": ..., "label": ...}]`), or a folder with
/// `images/` and `labels/` holding files of the same names.
public enum SegmentationDataset {
    public struct Pair: Equatable, Sendable {
        public var image: URL
        public var label: URL
    }

    public static func pairs(_ url: URL) throws -> [Pair] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw SegmentationError.dataset(path: url.path, problem: "does not exist")
        }
        if isDir.boolValue {
            let images = url.appendingPathComponent("images"), labels = url.appendingPathComponent("labels")
            guard let names = try? fm.contentsOfDirectory(atPath: images.path) else {
                throw SegmentationError.dataset(path: url.path, problem: "has no images/ folder (expected images/ and labels/)")
            }
            let nifti = names.filter { $0.hasSuffix(".nii") || $0.hasSuffix(".nii.gz") }.sorted()
            var out: [Pair] = []
            for n in nifti {
                let l = labels.appendingPathComponent(n)
                guard fm.fileExists(atPath: l.path) else {
                    throw SegmentationError.dataset(path: url.path, problem: "labels/\(n) is missing for images/\(n)")
                }
                out.append(Pair(image: images.appendingPathComponent(n), label: l))
            }
            guard !out.isEmpty else { throw SegmentationError.dataset(path: url.path, problem: "images/ holds no .nii or .nii.gz files") }
            return out
        }
        let base = url.deletingLastPathComponent()
        func resolve(_ p: String) -> URL { p.hasPrefix("/") ? URL(fileURLWithPath: p) : base.appendingPathComponent(p) }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw SegmentationError.dataset(path: url.path, problem: "cannot be read as text")
        }
        var out: [Pair] = []
        if url.pathExtension.lowercased() == "json" {
            guard let arr = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else {
                throw SegmentationError.dataset(path: url.path, problem: "is not a JSON list of {\"image\", \"label\"} objects")
            }
            for (i, e) in arr.enumerated() {
                guard let im = e["image"] as? String, let lab = e["label"] as? String else {
                    throw SegmentationError.dataset(path: url.path, problem: "entry \(i) lacks \"image\" or \"label\"")
                }
                out.append(Pair(image: resolve(im), label: resolve(lab)))
            }
        } else {
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard let header = lines.first?.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
                  let ii = header.firstIndex(of: "image"), let li = header.firstIndex(of: "label") else {
                throw SegmentationError.dataset(path: url.path, problem: "the CSV header must name the columns image and label")
            }
            for (n, line) in lines.dropFirst().enumerated() {
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard f.count > max(ii, li) else {
                    throw SegmentationError.dataset(path: url.path, problem: "line \(n + 2) has \(f.count) fields")
                }
                out.append(Pair(image: resolve(f[ii]), label: resolve(f[li])))
            }
        }
        guard !out.isEmpty else { throw SegmentationError.dataset(path: url.path, problem: "lists no pairs") }
        return out
    }

    /// Reads every pair: HU windowed to [0, 1] by `preprocessing`, labels as integers; image and
    /// label must share the voxel grid. `foldSides` reads 20-label ASPECTS maps (1-10 right, 11-20 left)
    /// as side-less regions 1-10, for an 11-class model.
    public static func load(_ pairs: [Pair], preprocessing: Preprocessing, classes: Int, foldSides: Bool = false) throws -> [TrainingSample] {
        try pairs.map { p in
            let image = try NIfTIFile.readVolume(p.image, as: Float.self)
            var labels = try NIfTIFile.readVolume(p.label, as: Int32.self)
            if foldSides { labels = labels.map { $0 > 10 && $0 <= 20 ? $0 - 10 : $0 } }
            guard image.components == 1, labels.components == 1 else {
                throw SegmentationError.dataset(path: p.image.path, problem: "image and label must be 3-D")
            }
            guard image.geometry.size == labels.geometry.size else {
                throw SegmentationError.dataset(path: p.label.path, problem: "label size \(labels.size) differs from image size \(image.size)")
            }
            if let bad = labels.data.first(where: { $0 < 0 || Int($0) >= classes }) {
                throw SegmentationError.dataset(path: p.label.path, problem: "label \(bad) is outside 0..<\(classes)")
            }
            // The same voxel order and crop the segmenter applies at inference, so the network sees
            // heads oriented and framed alike.
            let order = AxisReorientation(toLPS: image.geometry)
            let lpsImage = try order.apply(image), lpsLabels = try order.apply(labels)
            let box = preprocessing.cropBox(lpsImage)
            let croppedImage = try lpsImage.cropped(to: box), croppedLabels = try lpsLabels.cropped(to: box)
            return TrainingSample(size: croppedImage.size, image: preprocessing.normalize(croppedImage.data),
                                  labels: croppedLabels.data, name: p.image.lastPathComponent)
        }
    }
}
