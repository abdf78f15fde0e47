import DICOM
import Foundation
import ImageCore

/// Converts indexed series to NIfTI files with JSON sidecars (and overlay masks).
public enum DICOMConverter {
    public struct Options: Sendable {
        /// Convert every greyscale image series instead of the selected one per study.
        public var all = false
        public var forceFloat = false
        /// Write `VolumeAssembler.assemble`'s exactly spaced parts (no interpolation) instead of one
        /// volume over the whole extent from `VolumeAssembler.assembleWhole`.
        public var exactParts = false
        /// Largest gap along the normal bridged by the whole-extent assembly.
        public var maximumBridgedGapMM = VolumeAssembler.WholeOptions().maximumBridgedGapMM
        public init(all: Bool = false, forceFloat: Bool = false, exactParts: Bool = false) {
            self.all = all; self.forceFloat = forceFloat; self.exactParts = exactParts
        }
    }

    public struct Output: Sendable {
        public var volume: URL
        public var sidecar: URL
        public var overlay: URL?
        public var seriesLabel: String
        public var assembled: AssembledVolume
    }

    /// Converts the selected series of each study (or all with `options.all`). A single-file input is
    /// always converted. Failures of individual series in `--all` mode are reported through `log`
    /// and skipped; an input with nothing convertible is an error.
    public static func convert(_ index: DICOMIndex, to dir: URL, options: Options = Options(),
                               log: (String) -> Void = { _ in }) throws -> [Output] {
        if index.images.isEmpty {
            if let s = index.skipped.first { throw DICOMError.notAnImage(file: s.path, problem: "no readable DICOM image: \(s.reason)") }
            throw DICOMError.notAnImage(file: "input", problem: "no DICOM files found")
        }
        let studies = SeriesGrouping.group(index.images)
        var jobs: [SeriesGroup] = []
        if options.all || index.source == .file {
            jobs = studies.flatMap { $0.series }.filter { $0.first.hasPixelData && $0.first.rows != nil }
        } else {
            for c in SeriesSelector.choose(studies) {
                log("study \(SeriesReport.studyToken(c.study.studyInstanceUID)): \(c.summary)")
                if let s = c.selected { jobs.append(c.study.series[s]) }
            }
            if jobs.isEmpty {
                throw DICOMError.notAnImage(file: "input", problem: "no non-contrast axial head CT series found (see `dicom list`; use --all to convert every image series)")
            }
        }
        if jobs.isEmpty {
            throw DICOMError.notAnImage(file: index.images[0].path, problem: "no image with pixel data")
        }
        var outputs: [Output] = []
        var failures: [Error] = []
        for g in jobs {
            do {
                outputs += try write(g, to: dir, options: options, log: log)
            } catch {
                failures.append(error)
                if jobs.count > 1 { log("error: \(error)") }
            }
        }
        if outputs.isEmpty, let f = failures.first {
            if failures.count == 1 { throw f }
            throw DICOMError.assembly(series: jobs.map { $0.label }.joined(separator: ","),
                                      problem: "no series could be converted; first error: \(f)")
        }
        return outputs
    }

    /// `<study>_<series>`: a hash token for the study, the series number and its description.
    public static func baseName(_ g: SeriesGroup) -> String {
        var desc = g.description.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        while desc.contains("__") { desc = desc.replacingOccurrences(of: "__", with: "_") }
        desc = desc.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        let series = desc.isEmpty ? g.label : g.label + "_" + String(desc.prefix(40))
        return SeriesReport.studyToken(g.studyInstanceUID) + "_" + series
    }

    public static func write(_ g: SeriesGroup, to dir: URL, options: Options, log: (String) -> Void) throws -> [Output] {
        let parts = options.exactParts
            ? try VolumeAssembler.assemble(g, options: VolumeAssembler.Options(forceFloat: options.forceFloat))
            : try VolumeAssembler.assembleWhole(g, options: VolumeAssembler.WholeOptions(forceFloat: options.forceFloat,
                                                                                        maximumBridgedGapMM: options.maximumBridgedGapMM))
        var outs: [Output] = []
        for p in parts {
            var name = baseName(g)
            if p.partCount > 1 { name += "_part\(p.part)" }
            let vURL = dir.appendingPathComponent(name + ".nii.gz")
            switch p.data {
            case .int16(let v): try NIfTIOutput.write(v, to: vURL)
            case .float(let v): try NIfTIOutput.write(v, to: vURL)
            }
            var oURL: URL? = nil
            if let m = p.overlay {
                oURL = dir.appendingPathComponent(name + "_overlay.nii.gz")
                try NIfTIOutput.write(m, to: oURL!)
            }
            var side = SidecarJSON.make(group: g, volume: p)
            if let o = oURL { side["OverlayFile"] = o.lastPathComponent }
            let jURL = dir.appendingPathComponent(name + ".json")
            try AtomicFile.write(try SidecarJSON.encode(side), to: jURL)
            let s = p.data.geometry.size
            log("wrote \(vURL.lastPathComponent) (\(s.x)x\(s.y)x\(s.z) \(p.data.typeName), \(p.data.geometry.orientationCode))"
                + (oURL != nil ? " and \(oURL!.lastPathComponent) (overlays on \(p.overlaySlices) slice(s))" : ""))
            for w in p.warnings { log("warning: \(name): \(w)") }
            if let t = p.tiltHandling { log("note: \(name): gantry tilt: \(t)") }
            if let r = p.resampling, r.interpolatedSlices > 0 || r.partsJoined > 1 {
                log("note: \(name): " + String(format: "%d acquired slices from %d part(s) on one grid of %d slices every %.4f mm (largest acquired-slice offset %.3f mm, largest gap bridged %.3f mm)",
                                                r.acquiredSlices, r.partsJoined, r.outputSlices, r.spacingMM, r.largestOffsetMM, r.largestGapBridgedMM))
            }
            outs.append(Output(volume: vURL, sidecar: jURL, overlay: oURL, seriesLabel: g.label, assembled: p))
        }
        return outs
    }
}
