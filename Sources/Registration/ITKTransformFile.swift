import Foundation
import ImageCore

/// Reads and writes linear transforms in ITK's formats, the ones antsApplyTransforms, ITK-SNAP and 3D Slicer
/// exchange: the text format ("#Insight Transform File V1.0") and the MATLAB v4 binary `.mat` that ANTs
/// writes (`0GenericAffine.mat`). All are LPS point maps from fixed to moving space.
public enum ITKTransformFile {
    /// Reads an affine-like transform (affine, rigid, Euler, versor, similarity, translation, or a composite
    /// of those) from a `.txt`/`.tfm` text file or a `.mat` file.
    public static func read(_ url: URL) throws -> AffineTransform3D {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RegistrationError.transformFile(file: url.path, problem: "cannot be read (\(error.localizedDescription))")
        }
        if url.pathExtension.lowercased() == "mat" {
            return try readMatlab(data, file: url.path)
        }
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw RegistrationError.transformFile(file: url.path, problem: "is not a text transform file")
        }
        return try parse(text, file: url.path)
    }

    /// Writes `t` as an `AffineTransform_double_3_3` text file (atomically).
    public static func write(_ t: AffineTransform3D, to url: URL) throws {
        try AtomicFile.write(Data(text(t).utf8), to: url)
    }

    public static func text(_ t: AffineTransform3D) -> String {
        let params = t.linear + [t.translation.x, t.translation.y, t.translation.z]
        let fixed = [t.center.x, t.center.y, t.center.z]
        let fmt = { (v: [Double]) in v.map { formatNumber($0) }.joined(separator: " ") }
        return "#Insight Transform File V1.0\n#Transform 0\nTransform: AffineTransform_double_3_3\n"
            + "Parameters: \(fmt(params))\nFixedParameters: \(fmt(fixed))\n"
    }

    static func formatNumber(_ v: Double) -> String {
        if v == 0 { return "0" }
        return "\(v)"
    }

    // MARK: - text

    static func parse(_ text: String, file: String) throws -> AffineTransform3D {
        var blocks: [(type: String, params: [Double], fixed: [Double])] = []
        guard text.hasPrefix("#Insight Transform File") else {
            throw RegistrationError.transformFile(file: file, problem: "does not start with '#Insight Transform File'; not an ITK transform file")
        }
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Transform:") {
                blocks.append((String(line.dropFirst("Transform:".count)).trimmingCharacters(in: .whitespaces), [], []))
            } else if line.hasPrefix("Parameters:") || line.hasPrefix("FixedParameters:") {
                guard !blocks.isEmpty else {
                    throw RegistrationError.transformFile(file: file, problem: "has parameters before any 'Transform:' line")
                }
                let isFixed = line.hasPrefix("Fixed")
                let body = line.drop(while: { $0 != ":" }).dropFirst()
                var values: [Double] = []
                for tok in body.split(separator: " ") where !tok.isEmpty {
                    guard let v = Double(tok), v.isFinite else {
                        throw RegistrationError.transformFile(file: file, problem: "has a parameter '\(tok)' that is not a finite number")
                    }
                    values.append(v)
                }
                if isFixed { blocks[blocks.count - 1].fixed = values } else { blocks[blocks.count - 1].params = values }
            }
        }
        let parts = blocks.filter { !$0.type.hasPrefix("CompositeTransform") }
        guard !parts.isEmpty else { throw RegistrationError.transformFile(file: file, problem: "holds no transform") }
        // ITK composites apply their last transform first: T = T1 o T2 o ... o Tn.
        var result = AffineTransform3D.identity
        var first = true
        for b in parts {
            let t = try makeTransform(type: b.type, params: b.params, fixed: b.fixed, file: file)
            result = first ? t : result.composed(after: t)
            first = false
        }
        return result
    }

    /// Builds the map for one ITK transform type from its Parameters and FixedParameters.
    static func makeTransform(type: String, params p: [Double], fixed f: [Double], file: String) throws -> AffineTransform3D {
        func need(_ n: Int, _ m: Int) throws {
            guard p.count >= n, f.count >= m else {
                throw RegistrationError.transformFile(file: file, problem: "\(type) needs \(n) parameters and \(m) fixed parameters, found \(p.count) and \(f.count)")
            }
        }
        func centre() -> SIMD3<Double> { f.count >= 3 ? SIMD3(f[0], f[1], f[2]) : .zero }
        let base = type.split(separator: "_").first.map(String.init) ?? type
        guard type.hasSuffix("_3_3") || base == "TranslationTransform" || base == "IdentityTransform" else {
            throw RegistrationError.transformFile(file: file, problem: "transform '\(type)' is not a 3-D transform")
        }
        switch base {
        case "AffineTransform", "MatrixOffsetTransformBase", "Rigid3DTransform", "ScalableAffineTransform":
            try need(12, 0)
            return AffineTransform3D(linear: Array(p[0..<9]), translation: SIMD3(p[9], p[10], p[11]), center: centre())
        case "Euler3DTransform":
            try need(6, 0)
            let zyx = f.count >= 4 && f[3] != 0
            let (cx, sx, cy, sy, cz, sz) = (cos(p[0]), sin(p[0]), cos(p[1]), sin(p[1]), cos(p[2]), sin(p[2]))
            let rx = [1, 0, 0, 0, cx, -sx, 0, sx, cx]
            let ry = [cy, 0, sy, 0, 1, 0, -sy, 0, cy]
            let rz = [cz, -sz, 0, sz, cz, 0, 0, 0, 1]
            // ITK's default Euler order is Z X Y (R = Rz Rx Ry); ComputeZYX gives R = Rz Ry Rx.
            let r = zyx ? AffineTransform3D.multiply3(rz, AffineTransform3D.multiply3(ry, rx))
                        : AffineTransform3D.multiply3(rz, AffineTransform3D.multiply3(rx, ry))
            return AffineTransform3D(linear: r, translation: SIMD3(p[3], p[4], p[5]), center: centre())
        case "VersorRigid3DTransform", "Similarity3DTransform", "ScaleVersor3DTransform":
            try need(base == "VersorRigid3DTransform" ? 6 : 7, 0)
            var r = versorMatrix(p[0], p[1], p[2])
            if base == "Similarity3DTransform" { r = r.map { $0 * p[6] } }
            if base == "ScaleVersor3DTransform" {
                try need(9, 0)
                r = AffineTransform3D.multiply3(r, [p[6], 0, 0, 0, p[7], 0, 0, 0, p[8]])
            }
            return AffineTransform3D(linear: r, translation: SIMD3(p[3], p[4], p[5]), center: centre())
        case "TranslationTransform":
            try need(3, 0)
            return AffineTransform3D(linear: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: SIMD3(p[0], p[1], p[2]), center: .zero)
        case "IdentityTransform":
            return .identity
        default:
            throw RegistrationError.transformFile(file: file, problem: "transform type '\(type)' is not supported (affine-like 3-D transforms only)")
        }
    }

    /// Rotation matrix of a unit quaternion given by its vector part (ITK's versor parameters).
    static func versorMatrix(_ x: Double, _ y: Double, _ z: Double) -> [Double] {
        let w = (Swift.max(0, 1 - x * x - y * y - z * z)).squareRoot()
        return [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
                2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]
    }

    // MARK: - MATLAB v4 (.mat), as ITK's MatlabTransformIO writes it

    static func readMatlab(_ data: Data, file: String) throws -> AffineTransform3D {
        let bytes = [UInt8](data)
        var pos = 0
        var params: [Double]? = nil
        var fixed: [Double] = []
        var type = ""
        func int32(_ at: Int, big: Bool) -> Int {
            let b = bytes[at..<(at + 4)].map { UInt32($0) }
            let v = big ? (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) : (b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0])
            return Int(Int32(bitPattern: v))
        }
        while pos + 20 <= bytes.count {
            var big = false
            var mopt = int32(pos, big: false)
            if mopt < 0 || mopt > 4052 { big = true; mopt = int32(pos, big: true) }
            let rows = int32(pos + 4, big: big), cols = int32(pos + 8, big: big)
            let imag = int32(pos + 12, big: big), nameLen = int32(pos + 16, big: big)
            let m = (mopt / 1000) % 10, prec = (mopt / 10) % 10, kind = mopt % 10
            guard (m == 0 || m == 1), kind == 0, rows >= 0, cols >= 0, nameLen > 0, nameLen < 256,
                  prec == 0 || prec == 1 else {
                throw RegistrationError.transformFile(file: file, problem: "is not a MATLAB v4 transform file ITK can write (bad header at byte \(pos))")
            }
            big = m == 1
            pos += 20
            guard pos + nameLen <= bytes.count else { break }
            let name = String(decoding: bytes[pos..<(pos + nameLen)].prefix { $0 != 0 }, as: UTF8.self)
            pos += nameLen
            let count = rows * cols, width = prec == 0 ? 8 : 4
            guard pos + count * width * (imag != 0 ? 2 : 1) <= bytes.count else {
                throw RegistrationError.transformFile(file: file, problem: "is truncated inside variable '\(name)'")
            }
            var values: [Double] = []
            for n in 0..<count {
                let a = pos + n * width
                var raw = UInt64(0)
                for b in 0..<width {
                    let byte = UInt64(bytes[big ? a + b : a + width - 1 - b])
                    raw = (raw << 8) | byte
                }
                values.append(width == 8 ? Double(bitPattern: raw) : Double(Float(bitPattern: UInt32(raw))))
            }
            pos += count * width * (imag != 0 ? 2 : 1)
            if name == "fixed" { fixed = values } else { params = values; type = name }
        }
        guard let params else { throw RegistrationError.transformFile(file: file, problem: "holds no transform parameters") }
        guard params.allSatisfy({ $0.isFinite }), fixed.allSatisfy({ $0.isFinite }) else {
            throw RegistrationError.transformFile(file: file, problem: "holds NaN or infinite parameters")
        }
        return try makeTransform(type: type, params: params, fixed: fixed, file: file)
    }
}
