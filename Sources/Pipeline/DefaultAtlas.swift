import Atlas
import Foundation

/// The atlas used when none is given: the one that ships in `share/deepstroke/atlas` (built from the CT
/// template by `deepstroke atlas build`; a test keeps it equal to what the builder makes today). It is
/// read, never built, at run time: a scanner-side machine may have neither the template nor a network.
public enum DefaultAtlas {
    /// The bundled atlas folder, or an error that says where it was looked for.
    public static func directory(_ resources: BundledResources) throws -> URL {
        guard let url = resources.atlas.usable else {
            throw PipelineError.unavailable("the bundled ASPECTS atlas was not found: \(resources.atlas.problem ?? "unknown"); pass --atlas ATLAS_DIR")
        }
        return url
    }

    public static func load(_ resources: BundledResources) throws -> Atlas {
        try Atlas(directory: directory(resources))
    }
}
