/// Lays a colour-coded map of values (already sampled onto the display grid) over an image, each pixel
/// with its own colour and opacity: heat maps of evidence (hypodensity, probabilities) drawn over the CT
/// so that the anatomy still shows through where the map is weak and nothing changes where it is absent.
extension RGBImage {
    /// `colour(value)` returns the colour and opacity (0-1) for a value, or nil to leave the pixel as it is.
    public mutating func overlay(values: [Float], colour: (Float) -> (RGBColor, Double)?) throws {
        guard values.count == width * height else {
            throw RenderingError.invalidArgument("\(values.count) values for a \(width)x\(height) image")
        }
        for n in 0..<values.count {
            guard let (c, alpha) = colour(values[n]), alpha > 0 else { continue }
            self[n % width, n / width] = c.over(self[n % width, n / width], alpha: alpha)
        }
    }
}
