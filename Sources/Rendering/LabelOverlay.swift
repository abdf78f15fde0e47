/// Draws label maps (already sampled onto the display grid) over an image: outlines show where each
/// region ends without hiding the CT underneath; translucent fills draw the eye to chosen regions.
extension RGBImage {
    /// A grey image of HU values through a CT window.
    public init(values: [Float], width: Int, height: Int, window: CTWindow) throws {
        try self.init(grey: values.map(window.grey), width: width, height: height)
    }

    /// Colours every pixel of a labelled region whose 4-neighbour (or the image edge) has another label.
    /// `color` returns nil for labels that should not be outlined (background is never outlined).
    @inlinable
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
    @inlinable
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
    public init(label: Int, x: Int, y: Int, pixelCount: Int) {
        self.label = label
        self.x = x
        self.y = y
        self.pixelCount = pixelCount
    }

    public var label: Int
    public var x: Int
    public var y: Int
    public var pixelCount: Int

    @inlinable
    public static func anchors<L: BinaryInteger>(labels: [L], width: Int) -> [LabelAnchor] {
        guard width > 0 else { return [] }
        var slot: [Int: Int] = [:]
        var sums: [(x: Double, y: Double, n: Int)] = []
        var values: [Int] = []
        let ints = labels.map { Int($0) }
        for (n, l) in ints.enumerated() where l != 0 {
            let s: Int
            if let existing = slot[l] { s = existing } else {
                s = sums.count
                slot[l] = s
                sums.append((0, 0, 0))
                values.append(l)
            }
            sums[s].x += Double(n % width)
            sums[s].y += Double(n / width)
            sums[s].n += 1
        }
        let centres = sums.map { (x: $0.x / Double($0.n), y: $0.y / Double($0.n)) }
        var best = [(d: Double, x: Int, y: Int)](repeating: (.infinity, 0, 0), count: sums.count)
        for (n, l) in ints.enumerated() where l != 0 {
            let s = slot[l]!
            let dx = Double(n % width) - centres[s].x, dy = Double(n / width) - centres[s].y
            let d = dx * dx + dy * dy
            if d < best[s].d { best[s] = (d, n % width, n / width) }
        }
        return (0..<sums.count).map { LabelAnchor(label: values[$0], x: best[$0].x, y: best[$0].y, pixelCount: sums[$0].n) }
            .sorted { $0.label < $1.label }
    }
}
