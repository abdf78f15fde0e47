import CZlib
import Foundation
import ImageCore

/// The one place the DICOM module writes NIfTI. TEMPORARY: a minimal NIfTI-1 (.nii.gz) writer with
/// sform only, until the NIfTI module lands on main; then this forwards to `NIfTIFile.write`.
enum NIfTIOutput {
    static func write<T: VoxelType>(_ v: Volume<T>, to url: URL) throws {
        let (code, bitpix): (Int16, Int16)
        switch T.self {
        case is UInt8.Type: (code, bitpix) = (2, 8)
        case is Int16.Type: (code, bitpix) = (4, 16)
        case is Float.Type: (code, bitpix) = (16, 32)
        default: throw DICOMError.invalidArgument("temporary NIfTI writer: unsupported type \(T.typeName)")
        }
        var h = [UInt8](repeating: 0, count: 352)
        func put<I: FixedWidthInteger>(_ x: I, _ at: Int) { withUnsafeBytes(of: x.littleEndian) { for (n, b) in $0.enumerated() { h[at + n] = b } } }
        func putF(_ x: Float, _ at: Int) { put(x.bitPattern, at) }
        put(Int32(348), 0)
        let g = v.geometry
        put(Int16(3), 40); put(Int16(g.size.x), 42); put(Int16(g.size.y), 44); put(Int16(g.size.z), 46)
        for n in 4..<8 { put(Int16(1), 40 + 2 * n) }
        put(code, 70); put(bitpix, 72)
        putF(1, 76); putF(Float(g.spacing.x), 80); putF(Float(g.spacing.y), 84); putF(Float(g.spacing.z), 88)
        putF(352, 108)
        putF(1, 112); putF(0, 116)
        h[123] = 2
        put(Int16(1), 254)
        let a = g.affineRAS
        for r in 0..<3 { for c in 0..<4 { putF(Float(a[r, c]), 280 + 16 * r + 4 * c) } }
        h[344] = 0x6E; h[345] = 0x2B; h[346] = 0x31
        try AtomicFile.write(to: url) { tmp in
            guard let gz = gzopen(tmp.path, "wb6") else { throw DICOMError.io(file: url.path, problem: "cannot open for writing") }
            var ok = h.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) } == 352
            v.data.withUnsafeBytes { b in
                var off = 0
                while ok && off < b.count {
                    let n = min(1 << 24, b.count - off)
                    ok = gzwrite(gz, b.baseAddress! + off, UInt32(n)) == Int32(n)
                    off += n
                }
            }
            guard gzclose(gz) == Z_OK, ok else { throw DICOMError.io(file: url.path, problem: "write failed") }
        }
    }
}
