import Foundation
import ImageCore

/// The per-epoch metrics of a run as CSV and as an SVG plot of the curves.
public enum MetricsLog {
    public static func csv(_ rows: [EpochRecord], classes: Int) -> String {
        var s = "epoch,train_loss,val_loss,val_mean_dice," + (1..<classes).map { "val_dice_\($0)" }.joined(separator: ",")
            + ",learning_rate,seconds\n"
        for r in rows {
            let dice = r.validationDice.map { $0.isNaN ? "" : String(format: "%.6f", $0) }.joined(separator: ",")
            s += "\(r.epoch),\(String(format: "%.6f", r.trainLoss)),\(String(format: "%.6f", r.validationLoss)),"
            s += "\(String(format: "%.6f", r.validationMeanDice)),\(dice),\(r.learningRate),\(String(format: "%.2f", r.seconds))\n"
        }
        return s
    }

    /// Two panels: train/validation loss, and validation mean Dice, against the epoch.
    public static func svg(_ rows: [EpochRecord]) -> String {
        let w = 720.0, h = 300.0, pad = 45.0
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(2 * h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        let epochs = rows.map { Double($0.epoch) }
        let maxE = Swift.max(1, epochs.max() ?? 1)
        func panel(_ y0: Double, _ title: String, _ series: [(String, String, [Double])], range: (Double, Double)) {
            let (lo, hi) = range
            out += "<text x=\"\(pad)\" y=\"\(y0 + 18)\" font-weight=\"bold\">\(title)</text>\n"
            out += "<rect x=\"\(pad)\" y=\"\(y0 + 25)\" width=\"\(w - 2 * pad)\" height=\"\(h - 60)\" fill=\"none\" stroke=\"#888\"/>\n"
            out += "<text x=\"5\" y=\"\(y0 + 35)\">\(String(format: "%.3g", hi))</text><text x=\"5\" y=\"\(y0 + h - 35)\">\(String(format: "%.3g", lo))</text>\n"
            out += "<text x=\"\(w - pad - 40)\" y=\"\(y0 + h - 18)\">epoch \(Int(maxE))</text>\n"
            for (k, (name, color, values)) in series.enumerated() {
                let pts = zip(epochs, values).filter { $0.1.isFinite }.map { e, v -> String in
                    let x = pad + (w - 2 * pad) * e / maxE
                    let y = y0 + 25 + (h - 60) * (1 - (v - lo) / Swift.max(hi - lo, 1e-12))
                    return String(format: "%.1f,%.1f", x, y)
                }.joined(separator: " ")
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(pts)\"/>\n"
                out += "<text x=\"\(w - pad - 150 + Double(k) * 75)\" y=\"\(y0 + 18)\" fill=\"\(color)\">\(name)</text>\n"
            }
        }
        let losses = rows.flatMap { [$0.trainLoss, $0.validationLoss] }.filter { $0.isFinite }
        panel(0, "Loss (DiceCE)", [("train", "#1f77b4", rows.map(\.trainLoss)), ("validation", "#d62728", rows.map(\.validationLoss))],
              range: (0, Swift.max(1e-6, losses.max() ?? 1)))
        panel(h, "Validation mean Dice", [("mean Dice", "#2ca02c", rows.map(\.validationMeanDice))], range: (0, 1))
        return out + "</svg>\n"
    }

    public static func write(_ rows: [EpochRecord], classes: Int, to dir: URL) throws {
        try AtomicFile.write(Data(csv(rows, classes: classes).utf8), to: dir.appendingPathComponent("metrics.csv"))
        try AtomicFile.write(Data(svg(rows).utf8), to: dir.appendingPathComponent("curves.svg"))
    }
}
