/// The canonical ASPECTS label convention, the single table every module should use.
///
/// Codes 1-10 are the right hemisphere and 11-20 the left, in the order C, L, IC, I, M1-M6; 0 is
/// background. The 11-class index (0 background, 1-10 region regardless of side) is what a network that
/// predicts regions without sides uses: the side then comes from the midline.
public struct ASPECTSRegion: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Label value in a 20-label map (1...20).
    public let code: Int
    /// Short ASPECTS name: "C", "L", "IC", "I", "M1" ... "M6".
    public let name: String
    public let hemisphere: Hemisphere

    /// Short names in code order within a hemisphere.
    public static let names = ["C", "L", "IC", "I", "M1", "M2", "M3", "M4", "M5", "M6"]
    static let fullNames = ["caudate", "lentiform nucleus", "internal capsule", "insular ribbon",
                            "anterior MCA cortex", "MCA cortex lateral to the insula", "posterior MCA cortex",
                            "anterior MCA territory above M1", "lateral MCA territory above M2",
                            "posterior MCA territory above M3"]

    public init?(code: Int) {
        guard (1...20).contains(code) else { return nil }
        self.code = code
        self.name = ASPECTSRegion.names[(code - 1) % 10]
        self.hemisphere = code <= 10 ? .right : .left
    }

    /// The region called `name` ("M1", case-insensitive) on `hemisphere`.
    public init?(name: String, hemisphere: Hemisphere) {
        guard let n = ASPECTSRegion.names.firstIndex(of: name.uppercased()) else { return nil }
        self.init(code: n + 1 + (hemisphere == .left ? 10 : 0))
    }

    /// The region of 11-class index `classIndex` (1...10) on `hemisphere`.
    public init?(classIndex: Int, hemisphere: Hemisphere) {
        guard (1...10).contains(classIndex) else { return nil }
        self.init(code: classIndex + (hemisphere == .left ? 10 : 0))
    }

    /// All 20 regions, right hemisphere first.
    public static let all: [ASPECTSRegion] = (1...20).map { ASPECTSRegion(code: $0)! }

    public static func regions(of side: Hemisphere) -> [ASPECTSRegion] { all.filter { $0.hemisphere == side } }

    /// Same region in the other hemisphere.
    public var mirrorCode: Int { code <= 10 ? code + 10 : code - 10 }
    public var mirror: ASPECTSRegion { ASPECTSRegion(code: mirrorCode)! }

    /// 1...10: the region's class in an 11-class (background + 10 side-less regions) segmentation.
    public var classIndex: Int { (code - 1) % 10 + 1 }

    public var fullName: String { ASPECTSRegion.fullNames[classIndex - 1] }

    /// C, L, IC, I, M1-M3 are judged at the ganglionic level (thalamus and basal ganglia), M4-M6 at the
    /// supraganglionic level about 2 cm higher.
    public var isSupraganglionic: Bool { classIndex >= 8 }
    /// Deep grey and white matter (C, L, IC) rather than cortex (I, M1-M6).
    public var isSubcortical: Bool { classIndex <= 3 }

    public var description: String { "\(hemisphere == .right ? "R" : "L") \(name)" }
}
