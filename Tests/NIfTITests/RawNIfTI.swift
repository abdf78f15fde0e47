import Foundation

/// A deliberately independent, minimal NIfTI-1 encoder for tests: fields by offset, either byte order,
/// so tests can build big-endian files and every kind of broken header without going through the
/// writer under test.
struct RawNIfTI1 {
    var bigEndian = false
    var bytes = [UInt8](repeating: 0, count: 352)

    init(dims: [Int], datatype: Int16, bitpix: Int16, bigEndian: Bool = false) {
        self.bigEndian = bigEndian
        i32(0, 348)
        i16(40, Int16(dims.count))
        for (n, d) in dims.enumerated() { i16(42 + 2 * n, Int16(d)) }
        for n in dims.count..<7 { i16(42 + 2 * n, 1) }
        i16(70, datatype)
        i16(72, bitpix)
        for n in 0..<8 { f32(76 + 4 * n, 1) }
        f32(108, 352)
        f32(112, 1)
        bytes.replaceSubrange(344..<348, with: Array("n+1\0".utf8))
    }

    private mutating func put(_ at: Int, _ v: UInt64, _ n: Int) {
        for k in 0..<n {
            let shift = bigEndian ? 8 * (n - 1 - k) : 8 * k
            bytes[at + k] = UInt8(truncatingIfNeeded: v >> UInt64(shift))
        }
    }
    mutating func i16(_ at: Int, _ v: Int16) { put(at, UInt64(UInt16(bitPattern: v)), 2) }
    mutating func i32(_ at: Int, _ v: Int32) { put(at, UInt64(UInt32(bitPattern: v)), 4) }
    mutating func f32(_ at: Int, _ v: Float) { put(at, UInt64(v.bitPattern), 4) }

    // Named fields used by the tests.
    mutating func setPixdim(_ p: [Float]) { for (n, v) in p.enumerated() { f32(76 + 4 * n, v) } }
    mutating func setSlopeInter(_ s: Float, _ i: Float) { f32(112, s); f32(116, i) }
    mutating func setVoxOffset(_ v: Float) { f32(108, v) }
    mutating func setCodes(qform: Int16, sform: Int16) { i16(252, qform); i16(254, sform) }
    mutating func setQuaternion(_ b: Float, _ c: Float, _ d: Float, offset: [Float]) {
        f32(256, b); f32(260, c); f32(264, d)
        f32(268, offset[0]); f32(272, offset[1]); f32(276, offset[2])
    }
    mutating func setSform(_ rows: [[Float]]) {
        for r in 0..<3 { for c in 0..<4 { f32(280 + 16 * r + 4 * c, rows[r][c]) } }
    }

    /// Header followed by `payload`, each element of `scalarSize` bytes put in this file's byte order.
    func file(payload: [UInt8], scalarSize: Int) -> [UInt8] {
        var data = payload
        if bigEndian && scalarSize > 1 {
            for start in stride(from: 0, to: data.count, by: scalarSize) {
                data[start..<(start + scalarSize)].reverse()
            }
        }
        return bytes + data
    }
}

/// Little-endian bytes of an array of fixed-width values (the host order on every test machine).
func littleEndianBytes<T>(_ values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// gzip via the system tool, an implementation independent of the module under test.
func systemGzip(_ bytes: [UInt8], in dir: URL) throws -> [UInt8] {
    let plain = dir.appendingPathComponent("gz-\(UUID().uuidString)")
    try Data(bytes).write(to: plain)
    try runTool("gzip", ["-n", "-6", plain.path])
    let gz = URL(fileURLWithPath: plain.path + ".gz")
    defer { try? FileManager.default.removeItem(at: gz) }
    return Array(try Data(contentsOf: gz))
}

func systemGunzip(_ url: URL) throws -> [UInt8] {
    try runTool("gzip", ["-dc", url.path])
}

@discardableResult
func runTool(_ name: String, _ args: [String]) throws -> [UInt8] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [name] + args
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw NSError(domain: "tool", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "\(name) failed"])
    }
    return Array(data)
}

func makeTempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nifti-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
