/// Which of the template's cortical parcels belong to which arterial territory, and the written rules
/// that `labels.json` and docs/atlas.md carry. The parcels are the Neuromorphometrics labels of the CT
/// template (abbreviations as in structure_labels.csv).
///
/// The assignment follows the standard territory maps (Tatu et al., Neurology 1998): the MCA supplies
/// the lateral convexity of the frontal, parietal and temporal lobes and the opercula; the ACA the
/// medial frontal and parietal surface with the superior frontal gyrus and paracentral lobule; the PCA
/// the occipital lobe and the inferior and medial temporal lobe. Parcels that straddle a border go to
/// ACA or PCA, so an M region never contains ACA or PCA cortex.
public enum TerritoryRules {
    /// MCA cortex: lateral frontal (middle and inferior frontal gyri, lateral and posterior orbital
    /// gyri), opercula, pre- and postcentral gyri (their lateral parts; the medial segments are ACA),
    /// lateral temporal lobe, supramarginal and angular gyri.
    public static let mca = ["MFG", "OpIFG", "TrIFG", "OrIFG", "FO", "CO", "PO", "PrG", "PoG", "LOrG", "POrG",
                             "STG", "MTG", "TMP", "PP", "PT", "TTG", "SMG", "AnG"]
    /// ACA cortex: medial frontal and parietal surface, superior frontal gyrus, cingulate, medial and
    /// anterior orbital gyri, frontal pole (the last two shared with the MCA, hence counted as ACA).
    public static let aca = ["SFG", "MSFG", "SMC", "MFC", "GRe", "SCA", "MPrG", "MPoG", "ACgG", "MCgG", "PCgG",
                             "PCu", "MOrG", "AOrG", "FRP"]
    /// PCA cortex and medial temporal structures: occipital lobe, fusiform, inferior temporal (shared with
    /// the MCA on its lateral surface, hence counted as PCA), parahippocampal, entorhinal, hippocampus,
    /// amygdala. (The superior parietal lobule lies above the atlas levels and is in no list.)
    public static let pca = ["Calc", "Cun", "LiG", "OCP", "IOG", "MOG", "SOG", "OFuG", "FuG", "ITG", "PHG", "Ent",
                             "Hippocampus", "Amygdala"]
    /// Deep structures that bound the subjacent white matter of the M regions.
    public static let deep = ["Caudate", "Putamen", "Pallidum", "Thalamus Proper", "Ventral DC", "Accumbens Area",
                              "Lateral Ventricle", "Inf Lat Vent", "Basal Forebrain"]

    public static let caudate = ["Caudate"]
    public static let lentiform = ["Putamen", "Pallidum"]
    public static let thalamus = ["Thalamus Proper"]
    public static let insula = ["AIns", "PIns"]
    public static let whiteMatter = ["Cerebral White Matter"]
    public static let lateralVentricle = ["Lateral Ventricle"]

    /// The rules, one sentence per region class, for `labels.json`.
    public static let text: [String: String] = [
        "levels": "Ganglionic level: from the lowest to the highest slice of the lentiform nucleus (putamen and pallidum) of each hemisphere. Supraganglionic level: from just above the lentiform nucleus to the top of the lateral ventricle (lateral_ventricles_2mm and the lateral ventricle labels) of that hemisphere, about 2 cm higher.",
        "side": "Hemisphere from the LPS x coordinate relative to the template's midline (x greater than the midline is the patient's left); the midline is the median of the midpoints between the centroids of all reliable Right/Left structure pairs. A voxel must also carry that side's structure label.",
        "C": "Caudate label, ganglionic level.",
        "L": "Putamen and pallidum labels (lentiform nucleus), ganglionic level.",
        "IC": "Cerebral white matter at the ganglionic level that lies, within each axial slice, inside the convex hull of the lentiform nucleus, caudate and thalamus of that side and outside those structures and the ventricles: the anterior limb, genu and posterior limb between the lentiform nucleus and the caudate/thalamus.",
        "I": "Anterior and posterior insula labels (the insular cortical ribbon), ganglionic level.",
        "M": "MCA cortex (parcels in 'territories.mca') plus the subjacent white matter: cerebral white matter of the same side and level whose nearest cortex or deep structure is that M region's cortex, at most 'subjacentWhiteMatterDepthMM' deep. Cortex nearer to ACA or PCA parcels or deep structures is not included. CSF (seg_2mm class 1) and the ventricles are excluded from every region.",
        "M1-M3": "Ganglionic level. M1 anterior: MCA cortex in front of the insula's most anterior point; M2 lateral to the insula: between the insula's most anterior and most posterior points (in LPS y); M3 posterior: behind the insula's most posterior point.",
        "M4-M6": "Supraganglionic level, immediately above M1, M2 and M3 with the same anterior-posterior boundaries (the insula's extent at the ganglionic level): M4 anterior, M5 lateral, M6 posterior MCA territory.",
    ]
}
