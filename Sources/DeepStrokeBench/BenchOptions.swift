import ArgumentParser
import CommandSupport
import Foundation
import ImageCore

/// Input and timing options shared by the volume timing commands (resample, smooth).
struct BenchOptions: ParsableArguments {
    @Option(help: "Raw little-endian float32 volume (i fastest) to load; default: a synthetic volume.")
    var raw: String?
    @Option(help: "Grid size: n for n x n x n, or nx,ny,nz (1...1024 each).")
    var size = GridSize(voxels: SIMD3(repeating: 256))
    @Option(help: "Voxel spacing in mm: one value or sx,sy,sz.")
    var spacing = Spacing(millimetres: SIMD3(repeating: 1))
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Timed repetitions; the best is reported.")
    var repeats: Int = 3
    @Option(help: "Write the result of the last run as raw float32 here.")
    var output: String?

    var gridSize: SIMD3<Int> { size.voxels }

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be >= 1") }
    }

    /// Loads or synthesises the input volume (1 mm isotropic, identity direction).
    func volume() throws -> Volume<Float> {
        let g = Geometry(size: gridSize, spacing: spacing.millimetres)
        if let raw {
            let data = try Data(contentsOf: URL(fileURLWithPath: raw))
            guard data.count == g.voxelCount * 4 else {
                throw ValidationError("\(raw) holds \(data.count) bytes, a \(size.defaultValueDescription) float32 volume needs \(g.voxelCount * 4)")
            }
            var values = [Float](repeating: 0, count: g.voxelCount)
            _ = values.withUnsafeMutableBytes { data.copyBytes(to: $0) }
            return try Volume(geometry: g, data: values)
        }
        // Smooth structure plus noise, CT-like range.
        let nx = g.size.x, ny = g.size.y
        var state: UInt32 = 12345
        let values = (0..<g.voxelCount).map { idx -> Float in
            state = state &* 1664525 &+ 1013904223
            let i = idx % nx, j = (idx / nx) % ny, k = idx / (nx * ny)
            return Float(sin(Double(i) * 0.05) * cos(Double(j) * 0.07) * 400 + Double(k)) + Float(state >> 20) * 0.01
        }
        return try Volume(geometry: g, data: values)
    }

    /// Peak resident memory of this process image: VmHWM, which (unlike ru_maxrss) starts afresh at
    /// exec, so a large parent (the Python bench driver) does not inflate it.
    static func peakResidentMB() -> Double {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Double(line.split(separator: " ").dropFirst().first ?? "") {
            return kb / 1024
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Times `op` `repeats` times; returns all durations and the last result.
    typealias Timing = (seconds: [Double], cpuSeconds: [Double], result: Volume<Float>)

    /// Process CPU time (user + system), to see how much of a wall time was spent waiting on a busy machine.
    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Times `op` `repeats` times; returns wall and CPU durations and the last result.
    func time(_ op: () throws -> Volume<Float>) rethrows -> Timing {
        var times = [Double](), cpu = [Double]()
        var last: Volume<Float>? = nil
        for _ in 0..<repeats {
            last = nil
            let c0 = Self.cpuTime()
            let t0 = DispatchTime.now().uptimeNanoseconds
            let r = try op()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            cpu.append(Self.cpuTime() - c0)
            last = r
        }
        return (times, cpu, last!)
    }

    func finish(op: String, extra: [String: Any], timing: Timing) throws {
        if let output {
            let bytes = timing.result.data.withUnsafeBufferPointer { Data(buffer: $0) }
            try AtomicFile.write(bytes, to: URL(fileURLWithPath: output))
        }
        var json: [String: Any] = [
            "op": op, "size": [gridSize.x, gridSize.y, gridSize.z], "threads": Parallelism.current.threadCount,
            "seconds": timing.seconds.min()!, "all_seconds": timing.seconds, "cpu_seconds": timing.cpuSeconds,
            "peak_rss_mb": Self.peakResidentMB(),
        ]
        json.merge(extra) { a, _ in a }
        let text = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        print(String(decoding: text, as: UTF8.self))
    }
}
