import Foundation

/// One 2-D slice of a series: a single-frame file or one frame of a multi-frame file.
public struct SliceRef: Sendable {
    public var image: Int          // index into the series' images
    public var frame: Int
    public var position: SIMD3<Double>
    public var along: Double        // position projected on the slice normal
}

/// Orders slices in space and cuts them into runs of uniform spacing.
///
/// Positions come from ImagePositionPatient, never from InstanceNumber. A run extends while the next
/// slice sits where the run's mean step predicts (within `tolerance`), so both spacing changes and
/// lateral shifts end a run; a duplicate position ends a run too. Missing slices show up as a gap of
/// several steps between two runs of the same spacing and are reported.
public enum SliceLayout {
    public struct Run: Sendable {
        public var slices: [SliceRef]
        /// Mean vector between consecutive slices (nil for a single slice).
        public var step: SIMD3<Double>?
    }

    public static func tolerance(for step: Double) -> Double { max(0.01, 0.001 * abs(step)) }

    static func norm(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }

    /// Sorts by position along the normal (ties keep the given order).
    public static func sort(_ slices: [SliceRef]) -> [SliceRef] {
        slices.enumerated().sorted { ($0.element.along, $0.offset) < ($1.element.along, $1.offset) }.map { $0.element }
    }

    /// Splits sorted slices into layers so no layer holds two slices at one position: the n-th slice
    /// (in `order`) at each position goes to layer n. A series scanned twice becomes two volumes
    /// instead of an interleaved mess of single slices.
    public static func layers(_ sorted: [SliceRef], order: (SliceRef) -> [Int]) -> [[SliceRef]] {
        var out: [[SliceRef]] = []
        var i = 0
        while i < sorted.count {
            var e = i + 1
            while e < sorted.count && norm(sorted[e].position - sorted[i].position) < 0.01 { e += 1 }
            let group = sorted[i..<e].sorted { order($0).lexicographicallyPrecedes(order($1)) }
            for (n, s) in group.enumerated() {
                if out.count <= n { out.append([]) }
                out[n].append(s)
            }
            i = e
        }
        return out
    }

    public static func runs(_ sorted: [SliceRef]) -> [Run] {
        var out: [Run] = []
        var s = 0
        let n = sorted.count
        while s < n {
            if s == n - 1 { out.append(Run(slices: [sorted[s]], step: nil)); break }
            let d0 = sorted[s + 1].position - sorted[s].position
            // A duplicate position, or a first gap that differs from the next one, leaves slice s alone.
            if norm(d0) < 0.01 {
                out.append(Run(slices: [sorted[s]], step: nil)); s += 1; continue
            }
            if s + 2 < n {
                let d1 = sorted[s + 2].position - sorted[s + 1].position
                if norm(d1 - d0) > tolerance(for: norm(d0)) {
                    out.append(Run(slices: [sorted[s]], step: nil)); s += 1; continue
                }
            }
            var e = s + 1
            while e + 1 < n {
                let mean = (sorted[e].position - sorted[s].position) / Double(e - s)
                let predicted = sorted[s].position + mean * Double(e + 1 - s)
                if norm(sorted[e + 1].position - predicted) > tolerance(for: norm(mean)) { break }
                e += 1
            }
            let step = (sorted[e].position - sorted[s].position) / Double(e - s)
            out.append(Run(slices: Array(sorted[s...e]), step: step))
            s = e + 1
        }
        return out
    }

    /// Human-readable notes on how runs relate (missing slices, spacing changes, duplicates).
    public static func describeBreaks(_ runs: [Run]) -> [String] {
        var notes: [String] = []
        for (a, b) in zip(runs, runs.dropFirst()) {
            guard let last = a.slices.last, let first = b.slices.first else { continue }
            let gap = norm(first.position - last.position)
            if gap < 0.01 {
                notes.append(String(format: "two slices at the same position (%.2f mm along the normal)", first.along))
                continue
            }
            let ref = a.step.map(norm) ?? b.step.map(norm)
            if let s = ref, s > 0.01 {
                let m = gap / s
                if m > 1.5, abs(m - m.rounded()) < 0.05 {
                    notes.append(String(format: "%d slice(s) missing between %.2f and %.2f mm along the normal", Int(m.rounded()) - 1, last.along, first.along))
                    continue
                }
            }
            notes.append(String(format: "slice spacing changes at %.2f mm along the normal (gap %.3f mm)", last.along, gap))
        }
        return notes
    }
}
