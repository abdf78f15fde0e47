// libFuzzer target for the DICOM reader: parsing (full and lazy), header extraction, dumps,
// DICOMDIR interpretation and pixel decoding (every codec, overlays) must never crash, hang or
// allocate without bound on any input. Built by scripts/fuzz-dicom.sh.
import DICOM
import Foundation

/// Lower than the reader's defaults, so a runaway allocation is found before the fuzzer's memory limit.
let fuzzLimits = DICOMLimits(maxInflatedBytes: 64 << 20, maxSamplesPerFrame: 1 << 22)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let store = ByteStore(copying: UnsafeBufferPointer(start: data, count: size))
    _ = try? DICOMFile.parse(store, name: "fuzz", stopAtPixelData: true, limits: fuzzLimits).dataSet.string(Tag.modality)
    guard let file = try? DICOMFile.parse(store, name: "fuzz", limits: fuzzLimits) else { return 0 }
    let info = ImageInfo(dataSet: file.dataSet, transferSyntax: file.transferSyntax, path: "fuzz")
    _ = info.sliceNormal
    _ = DICOMDump.render(file)
    if file.dataSet.contains(Tag.directoryRecordSequence), let d = try? DICOMDirectory(file: file, url: URL(fileURLWithPath: "/nonexistent/DICOMDIR")) {
        _ = try? d.referencedFiles()
    }
    if let reader = try? PixelDataReader(file: file) {
        for f in 0..<min(reader.format.frames, 3) {
            _ = try? reader.frame(f)
        }
        _ = try? DICOMFuzzSupport.overlayMask(file: file, info: info, reader: reader)
    }
    return 0
}
