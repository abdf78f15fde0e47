import DICOM
import Foundation
import ImageCore

/// Writes a DICOMDIR (PS3.10 media directory) for the DICOM files in a folder, so generated studies
/// look like the archives hospitals export: PATIENT > STUDY > SERIES > IMAGE records linked by byte
/// offsets, each IMAGE naming its file by a ReferencedFileID relative to the DICOMDIR.
///
/// File IDs on media are at most 8 upper-case letters, digits or underscores per component;
/// `conformFileNames` renames generated files to that form first.
public enum DICOMDIRWriter {
    struct Entry {
        var fileID: [String]
        var info: ImageInfo
        var patientID: String
        var patientName: String
    }

    /// Writes `root/DICOMDIR` referencing `files` (all inside `root`). Returns the number of images listed.
    @discardableResult
    public static func write(root: URL, files: [URL], fileSetID: String = "DEEPSTROKE") throws -> Int {
        let rootPath = root.standardizedFileURL.path + "/"
        var entries: [Entry] = []
        for f in files {
            let p = f.standardizedFileURL.path
            guard p.hasPrefix(rootPath) else { throw PipelineError.input(path: p, problem: "is not inside \(root.path)") }
            let components = p.dropFirst(rootPath.count).split(separator: "/").map(String.init)
            for c in components where !isConformant(c) {
                throw PipelineError.input(path: p, problem: "'\(c)' is not a DICOM file ID component (1-8 of A-Z, 0-9, _); rename it first")
            }
            let file = try DICOMFile.read(f, stopAtPixelData: true)
            let info = ImageInfo(dataSet: file.dataSet, transferSyntax: file.transferSyntax, path: p)
            entries.append(Entry(fileID: components, info: info, patientID: file.dataSet.string(Tag.patientID) ?? "",
                                 patientName: file.dataSet.string(Tag.patientName) ?? ""))
        }
        // Tree: patient > study > series > image, in a stable order.
        var records: [DataSetWriter] = []
        var children: [[Int]] = []
        var roots: [Int] = []
        var parents: [Int?] = []
        func add(_ r: DataSetWriter, parent: Int?) -> Int {
            records.append(r)
            children.append([])
            parents.append(parent)
            let n = records.count - 1
            if let p = parent { children[p].append(n) } else { roots.append(n) }
            return n
        }
        let byPatient = Dictionary(grouping: entries, by: \.patientID)
        for pid in byPatient.keys.sorted() {
            let pe = byPatient[pid]!
            let patient = add(record("PATIENT") { r in
                r.add(Tag.patientName, .PN, pe[0].patientName)
                r.add(Tag.patientID, .LO, pid)
            }, parent: nil)
            let byStudy = Dictionary(grouping: pe, by: \.info.studyInstanceUID)
            for suid in byStudy.keys.sorted() {
                let se = byStudy[suid]!
                let i = se[0].info
                let study = add(record("STUDY") { r in
                    r.add(Tag.studyDate, .DA, i.studyDate)
                    r.add(Tag.studyTime, .TM, "")
                    r.add(Tag.accessionNumber, .SH, "")
                    r.add(Tag.studyDescription, .LO, i.studyDescription)
                    r.add(Tag.studyInstanceUID, .UI, suid)
                    r.add(Tag.studyID, .SH, i.studyID)
                }, parent: patient)
                let bySeries = Dictionary(grouping: se, by: \.info.seriesInstanceUID)
                for ser in bySeries.keys.sorted(by: { (bySeries[$0]![0].info.seriesNumber ?? 0, $0) < (bySeries[$1]![0].info.seriesNumber ?? 0, $1) }) {
                    let xe = bySeries[ser]!
                    let x = xe[0].info
                    let series = add(record("SERIES") { r in
                        r.add(Tag.modality, .CS, x.modality)
                        r.add(Tag.seriesInstanceUID, .UI, ser)
                        r.add(Tag.seriesNumber, .IS, x.seriesNumber.map(String.init) ?? "")
                    }, parent: study)
                    for e in xe.sorted(by: { ($0.info.instanceNumber ?? 0, $0.fileID.joined()) < ($1.info.instanceNumber ?? 0, $1.fileID.joined()) }) {
                        _ = add(record("IMAGE") { r in
                            r.add(Tag.referencedFileID, .CS, e.fileID.joined(separator: "\\"))
                            r.add(Tag.referencedSOPClassUIDInFile, .UI, e.info.sopClassUID)
                            r.add(Tag.referencedSOPInstanceUIDInFile, .UI, e.info.sopInstanceUID)
                            r.add(Tag.referencedTransferSyntaxUIDInFile, .UI, e.info.transferSyntax.uid)
                            r.add(Tag.instanceNumber, .IS, e.info.instanceNumber.map(String.init) ?? "")
                        }, parent: series)
                    }
                }
            }
        }
        // Offsets: every field is a fixed-size UL, so sizes do not change when they are filled in.
        var head = DataSetWriter()
        head.add(Tag.fileSetID, .CS, fileSetID)
        head.addUL(Tag.offsetOfFirstRootRecord, 0)
        head.addUL(Tag.offsetOfLastRootRecord, 0)
        head.addUS(Tag.fileSetConsistencyFlag, [0])
        let sopUID = UIDGenerator.make()
        let prefix = DataSetWriter.part10(dataSet: head, sopClassUID: DICOMDirectory.mediaStorageSOPClass,
                                          sopInstanceUID: sopUID, syntax: .explicitLittle).count
        var offsets: [Int] = []
        var position = prefix + 12          // (0004,1220) tag, VR, reserved, undefined length
        for r in records {
            offsets.append(position)
            position += 8 + r.encode(explicit: true).count + 8
        }
        for n in records.indices {
            let siblings = parents[n].map { children[$0] } ?? roots
            let idx = siblings.firstIndex(of: n)!
            let next = idx + 1 < siblings.count ? offsets[siblings[idx + 1]] : 0
            let lower = children[n].first.map { offsets[$0] } ?? 0
            setUL(&records[n], Tag.offsetOfNextRecord, next)
            setUL(&records[n], Tag.offsetOfLowerLevelEntity, lower)
        }
        var ds = DataSetWriter()
        ds.add(Tag.fileSetID, .CS, fileSetID)
        ds.addUL(Tag.offsetOfFirstRootRecord, roots.first.map { offsets[$0] } ?? 0)
        ds.addUL(Tag.offsetOfLastRootRecord, roots.last.map { offsets[$0] } ?? 0)
        ds.addUS(Tag.fileSetConsistencyFlag, [0])
        ds.addSequence(Tag.directoryRecordSequence, items: records)
        let bytes = DataSetWriter.part10(dataSet: ds, sopClassUID: DICOMDirectory.mediaStorageSOPClass,
                                         sopInstanceUID: sopUID, syntax: .explicitLittle)
        try AtomicFile.write(Data(bytes), to: root.appendingPathComponent("DICOMDIR"))
        return entries.count
    }

    /// Renames every regular file under `root` to a conformant file ID (extension dropped, upper case)
    /// and returns the new URLs. Fails without renaming anything when a name cannot be made conformant
    /// or two files would collide.
    public static func conformFileNames(in root: URL) throws -> [URL] {
        let fm = FileManager.default
        guard let e = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else {
            throw PipelineError.input(path: root.path, problem: "cannot list the folder")
        }
        var moves: [(URL, URL)] = []
        var taken = Set<String>()
        for case let u as URL in e where (try? u.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            guard u.lastPathComponent != "DICOMDIR" else { continue }
            let name = u.deletingPathExtension().lastPathComponent.uppercased()
            let dst = u.deletingLastPathComponent().appendingPathComponent(name)
            guard isConformant(name), taken.insert(dst.path).inserted else {
                throw PipelineError.input(path: u.path, problem: "cannot be renamed to a unique DICOM file ID")
            }
            moves.append((u, dst))
        }
        for (a, b) in moves where a != b { try fm.moveItem(at: a, to: b) }
        return moves.map(\.1).sorted { $0.path < $1.path }
    }

    static func isConformant(_ c: String) -> Bool {
        !c.isEmpty && c.count <= 8 && c.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    static func record(_ type: String, _ fill: (inout DataSetWriter) -> Void) -> DataSetWriter {
        var r = DataSetWriter()
        r.addUL(Tag.offsetOfNextRecord, 0)
        r.addUS(Tag.recordInUseFlag, [0xFFFF])
        r.addUL(Tag.offsetOfLowerLevelEntity, 0)
        r.add(Tag.directoryRecordType, .CS, type)
        r.add(Tag.specificCharacterSet, .CS, "ISO_IR 100")
        fill(&r)
        return r
    }

    static func setUL(_ r: inout DataSetWriter, _ tag: DICOMTag, _ value: Int) {
        guard let i = r.elements.firstIndex(where: { $0.tag == tag }) else { return }
        let u = UInt32(truncatingIfNeeded: value)
        r.elements[i].value = [UInt8(u & 0xFF), UInt8((u >> 8) & 0xFF), UInt8((u >> 16) & 0xFF), UInt8(u >> 24)]
    }
}
