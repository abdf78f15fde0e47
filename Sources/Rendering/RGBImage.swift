import Foundation
import ImageCore

/// An 8-bit RGB canvas (rows top to bottom, pixels interleaved) that slices, overlays, text and
/// montages are drawn onto before PNG encoding. Drawing outside the canvas is clipped silently so
/// callers can place labels near edges without bounds checks.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: RGBColor = .black) {
        precondition(width > 0 && height > 0, "RGBImage needs a positive size, got \(width)x\(height)")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        if fill != .black { fillRect(x: 0, y: 0, width: width, height: height, color: fill) }
    }

    /// A grey image from one byte per pixel.
    public init(grey: [UInt8], width: Int, height: Int) throws {
        guard width > 0, height > 0, grey.count == width * height else {
            throw RenderingError.invalidImage("\(grey.count) grey values for a \(width)x\(height) image")
        }
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for n in 0..<grey.count {
            pixels[3 * n] = grey[n]
            pixels[3 * n + 1] = grey[n]
            pixels[3 * n + 2] = grey[n]
        }
    }

    public func contains(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < width && y < height }

    public subscript(x: Int, y: Int) -> RGBColor {
        get {
            let o = 3 * (y * width + x)
            return RGBColor(pixels[o], pixels[o + 1], pixels[o + 2])
        }
        set {
            let o = 3 * (y * width + x)
            pixels[o] = newValue.r
            pixels[o + 1] = newValue.g
            pixels[o + 2] = newValue.b
        }
    }

    /// Sets a pixel if it lies on the canvas.
    public mutating func plot(_ x: Int, _ y: Int, _ color: RGBColor) {
        if contains(x, y) { self[x, y] = color }
    }

    /// Lays `color` over a pixel with opacity `alpha`, if it lies on the canvas.
    public mutating func blend(_ x: Int, _ y: Int, _ color: RGBColor, alpha: Double) {
        if contains(x, y) { self[x, y] = color.over(self[x, y], alpha: alpha) }
    }

    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: RGBColor) {
        let x0 = Swift.max(0, x), y0 = Swift.max(0, y)
        let x1 = Swift.min(width, x + w), y1 = Swift.min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { self[xx, yy] = color } }
    }

    /// Copies `image` with its top-left corner at (x, y), clipped to this canvas.
    public mutating func draw(_ image: RGBImage, atX x: Int, y: Int) {
        for sy in 0..<image.height {
            let ty = y + sy
            guard ty >= 0 && ty < height else { continue }
            for sx in 0..<image.width where contains(x + sx, ty) {
                self[x + sx, ty] = image[sx, sy]
            }
        }
    }

    /// Nearest-neighbour enlargement by an integer factor (crisp pixels for small montages and icons).
    public func scaled(by factor: Int) -> RGBImage {
        precondition(factor >= 1, "scale factor must be >= 1")
        if factor == 1 { return self }
        var out = RGBImage(width: width * factor, height: height * factor)
        for y in 0..<out.height {
            for x in 0..<out.width { out[x, y] = self[x / factor, y / factor] }
        }
        return out
    }

    public func pngData() throws -> Data {
        try PNGEncoder.encode(pixels: pixels, width: width, height: height, colorType: .rgb)
    }

    /// Encodes and writes atomically (temporary file in the folder, then rename).
    public func writePNG(to url: URL) throws {
        try AtomicFile.write(pngData(), to: url)
    }
}
