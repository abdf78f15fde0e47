import Foundation

/// The small U-Net that ships with the project (`share/deepstroke/models/aspects-unet-frame`, a frame model
/// trained on generated patients by `scripts/train-frame-model.sh`; not for clinical use), found without
/// configuration so that `run --method unet` and the demo work in a checkout and in an installation
/// (see `BundledResources` for the search rules).
public enum BundledModel {
    public static let relativePath = "\(BundledResources.shareSubpath)/\(BundledResources.modelSubpath)"

    /// The model folder, when it is there.
    public static func directory(_ resources: BundledResources) -> URL? {
        resources.model.usable
    }
}
