/// The public CT brain template (Muschelli 2020, CC BY-NC-SA 4.0) that `fetch-template` downloads:
/// where each file lives at the source, the flat name it gets locally (the layout of the data folder's
/// `ct_template/`), and its SHA-256.
public enum CTTemplate {
    /// github.com/muschellij2/high_res_ct_template at the commit the project's copies come from
    /// ("added 1mm and 2mm"); pinned so the checksums stay valid.
    public static let commit = "135392e7782eb87b923c054ada1c50f97034e431"
    public static let sourceBase = "https://raw.githubusercontent.com/muschellij2/high_res_ct_template/\(commit)/"

    public struct File: Sendable, Equatable {
        /// Path below the repository root at the source.
        public let sourcePath: String
        /// File name in the local template folder.
        public let name: String
        /// Lowercase hex SHA-256 of the file.
        public let sha256: String

        public init(sourcePath: String, name: String, sha256: String) {
            self.sourcePath = sourcePath
            self.name = name
            self.sha256 = sha256
        }
    }

    public static let files: [File] = [
        File(sourcePath: "template/2mm/template_2mm.nii.gz", name: "template_2mm.nii.gz",
             sha256: "6fe77e2396d112bc1408fae4f5b2a9dd3e345841652dfbbd09abb50cd2202fbc"),
        File(sourcePath: "template/2mm/template_with_skull_2mm.nii.gz", name: "template_with_skull_2mm.nii.gz",
             sha256: "c39fc9c82ce43436477744f05279ba68bdfdea8d089db6907c6893eb9f36e7a5"),
        File(sourcePath: "template/2mm/structures_2mm.nii.gz", name: "structures_2mm.nii.gz",
             sha256: "fe8bf46fa926e0ce5337c4ef8810f2bdcdde04507a168250d2e4cc4394520cea"),
        File(sourcePath: "template/2mm/seg_2mm.nii.gz", name: "seg_2mm.nii.gz",
             sha256: "c8da58970ed9b066b9d1a9365293616ba7450f9ca2cc73fdaa3d587ae81f523e"),
        File(sourcePath: "template/2mm/csf_2mm.nii.gz", name: "csf_2mm.nii.gz",
             sha256: "53f7ec41269f351b41933d140e24f244e882bc284b649ada9bfbae31e5af3151"),
        File(sourcePath: "template/2mm/lateral_ventricles_2mm.nii.gz", name: "lateral_ventricles_2mm.nii.gz",
             sha256: "34b1fb1a068e024eddd59d0bc4a66e32b426211d6458cf1d641ae618281afdda"),
        File(sourcePath: "template/structures.nii.gz", name: "structures.nii.gz",
             sha256: "9b687948db75ca19225630b907ea158e7ff33e88e0edfa33e565f0b33aa462ad"),
        File(sourcePath: "template/seg.nii.gz", name: "seg.nii.gz",
             sha256: "33d233167b5c5998533933f92e364323d11c7c5b094644aad1d11bb0a127e76b"),
        File(sourcePath: "template/structure_labels.csv", name: "structure_labels.csv",
             sha256: "864231bd5da889950e35865386dc83f2552ba9884c8cb16afc86e3d7281b959d"),
    ]
}
