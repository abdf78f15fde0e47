/// Draws label maps (already sampled onto the display grid) over an image: outlines show where each
/// region ends without hiding the CT underneath; translucent fills draw the eye to chosen regions.
extension RGBImage {
    /// A grey image of HU values through a CT window.
    public init(values: [Float], width: Int, height: Int, window: CTWindow) throws {
        try self.init(grey: values.map(window.grey), width: width, height: height)
    }

    /// Colours every pixel of a labelled region whose 4-neighbour (or the image edge) has another label.
    /// `color` returns nil for labels that should not be outlined (background is never outlined).
    public mutating func drawOutlines<L: BinaryInteger>(labels: [L], color: (Int) -> RGBColor?) throws {
        guard labels.count == width * height else {
            throw RenderingError.invalidArgument("\(labels.count) labels for a \(width)x\(height) image")
        }
        for y in 0..<height {
            for x in 0..<width {
                let l = labels[y * width + x]
                guard l != 0 else { continue }
                let edge = x == 0 || y == 0 || x == width - 1 || y == height - 1
                    || labels[y * width + x - 1] != l || labels[y * width + x + 1] != l
                    || labels[(y - 1) * width + x] != l || labels[(y + 1) * width + x] != l
                if edge, let c = color(Int(l)) { self[x, y] = c }
            }
        }
    }

    /// Lays a translucent colour over every pixel whose label satisfies `selected`.
    public mutating func fillLabels<L: BinaryInteger>(labels: [L], color: RGBColor, alpha: Double,
                                                     where selected: (Int) -> Bool) throws {
        guard labels.count == width * height else {
            throw RenderingError.invalidArgument("\(labels.count) labels for a \(width)x\(height) image")
        }
        for n in 0..<labels.count where labels[n] != 0 && selected(Int(labels[n])) {
            self[n % width, n / width] = color.over(self[n % width, n / width], alpha: alpha)
        }
    }
}

/// Where to write a region's name: the labelled pixel closest to the region's centroid (so the text sits
/// inside even a crescent-shaped region), with the pixel count for choosing which regions are big enough.
public struct LabelAnchor: Equatable, Sendable {
    public var label: Int
    public var x: Int
    public var y: Int
    public var pixelCount: Int

    public static func anchors<L: BinaryInteger>(labels: [L], width: Int) -> [LabelAnchor] {
        var sums: [Int: (x: Double, y: Double, n: Int)] = [:]
        for (n, l) in labels.enumerated() where l != 0 {
            let s = sums[Int(l)] ?? (0, 0, 0)
            sums[Int(l)] = (s.x + Double(n % width), s.y + Double(n / width), s.n + 1)
        }
        return sums.keys.sorted().map { label in
            let s = sums[label]!
            let cx = s.x / Double(s.n), cy = s.y / Double(s.n)
            var best = (d: Double.infinity, x: 0, y: 0)
            for (n, l) in labels.enumerated() where Int(l) == label {
                let dx = Double(n % width) - cx, dy = Double(n / width) - cy
                let d = dx * dx + dy * dy
                if d < best.d { best = (d, n % width, n / width) }
            }
            return LabelAnchor(label: label, x: best.x, y: best.y, pixelCount: s.n)
        }
    }
}
