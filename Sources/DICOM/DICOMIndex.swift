import Foundation
import ImageCore

/// The headers of every DICOM file under a path: a DICOMDIR's referenced files when there is one,
/// otherwise every file of the folder tree. Only headers are read (Pixel Data is never touched), in
/// parallel, so a 10,000-file archive is indexed in seconds.
public struct DICOMIndex: Sendable {
    public enum Source: Sendable, Equatable { case dicomdir(String), folder, file }

    public var source: Source
    public var images: [ImageInfo]
    /// Files that could not be used, with the reason (not DICOM, truncated, ...).
    public var skipped: [(path: String, reason: String)]
    public var warnings: [String]

    /// Indexes `path` (a DICOMDIR, a folder, or one file). `progress(done, total)` is called from
    /// worker threads now and then for large inputs.
    public static func build(_ path: URL, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> DICOMIndex {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: path.path, isDirectory: &isDir) else {
            throw DICOMError.io(file: path.path, problem: "no such file or folder")
        }
        var warnings: [String] = []
        var files: [URL]
        var source: Source
        var missing: [String] = []
        if isDir.boolValue {
            let entries = (try? fm.contentsOfDirectory(atPath: path.path)) ?? []
            if let d = entries.first(where: { $0.uppercased() == "DICOMDIR" }) {
                let dir = try DICOMDirectory.read(path.appendingPathComponent(d))
                warnings += dir.warnings
                let listed = try dir.referencedFiles()
                (files, missing) = (listed.files, listed.missing)
                warnings += listed.warnings
                source = .dicomdir(dir.url.path)
            } else {
                files = try listFolder(path)
                source = .folder
            }
        } else if DICOMDirectory.isDirectoryFile(path) {
            let dir = try DICOMDirectory.read(path)
            warnings += dir.warnings
            let listed = try dir.referencedFiles()
            (files, missing) = (listed.files, listed.missing)
            warnings += listed.warnings
            source = .dicomdir(path.path)
        } else {
            files = [path]
            source = .file
        }
        if !missing.isEmpty { warnings.append("\(missing.count) file(s) listed in the DICOMDIR do not exist (first: \(missing[0]))") }
        return index(files, source: source, warnings: warnings, progress: progress)
    }

    /// Regular files under a folder, recursively, skipping hidden entries.
    static func listFolder(_ root: URL) throws -> [URL] {
        let fm = FileManager.default
        guard let e = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                    options: [.skipsHiddenFiles]) else {
            throw DICOMError.io(file: root.path, problem: "cannot list folder")
        }
        var out: [URL] = []
        for case let u as URL in e {
            if (try? u.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { out.append(u) }
        }
        return out.sorted { $0.path < $1.path }
    }

    static func index(_ files: [URL], source: Source, warnings: [String], progress: (@Sendable (Int, Int) -> Void)?) -> DICOMIndex {
        var results = [Result<ImageInfo, Error>?](repeating: nil, count: files.count)
        let total = files.count
        let indexed = Locked(0)
        results.withUnsafeMutableBufferPointer { buf in
            let out = buf
            parallelFor(files.count) { n in
                let path = files[n].path
                do {
                    let f = try DICOMFile.read(files[n], stopAtPixelData: true)
                    if f.meta?.string(Tag.mediaStorageSOPClassUID) == DICOMDirectory.mediaStorageSOPClass {
                        out[n] = .failure(DICOMError.notAnImage(file: path, problem: "a DICOMDIR"))
                    } else {
                        out[n] = .success(ImageInfo(dataSet: f.dataSet, transferSyntax: f.transferSyntax, path: path))
                    }
                } catch {
                    out[n] = .failure(error)
                }
                if let progress, total >= 500 {
                    let done = indexed.withLock { $0 += 1; return $0 }
                    if done % 500 == 0 || done == total { progress(done, total) }
                }
            }
        }
        var images: [ImageInfo] = []
        var skipped: [(String, String)] = []
        for (n, r) in results.enumerated() {
            switch r {
            case .success(let info)?: images.append(info)
            case .failure(let e)?: skipped.append((files[n].path, String(describing: e)))
            case nil: break
            }
        }
        return DICOMIndex(source: source, images: images, skipped: skipped, warnings: warnings)
    }
}
