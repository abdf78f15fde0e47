/// The NIfTI intent codes the project meets, with their standard names.
public enum NIfTIIntent {
    public static let none = 0
    public static let correlation = 2
    public static let tTest = 3
    public static let zScore = 5
    public static let estimate = 1001
    public static let label = 1002
    public static let neuroName = 1003
    public static let genericMatrix = 1004
    public static let symmetricMatrix = 1005
    public static let displacementVector = 1006
    /// What ITK and ANTs write for displacement fields (5-D, u = 3).
    public static let vector = 1007
    public static let pointSet = 1008
    public static let triangle = 1009
    public static let quaternion = 1010
    public static let dimensionless = 1011

    static let names: [Int: String] = [
        0: "none", 2: "correlation", 3: "t-test", 5: "z-score", 1001: "estimate", 1002: "label",
        1003: "neuroname", 1004: "genmatrix", 1005: "symmatrix", 1006: "dispvect", 1007: "vector",
        1008: "pointset", 1009: "triangle", 1010: "quaternion", 1011: "dimless",
    ]

    /// Standard name of an intent code, or the number when it is not one of the common ones.
    public static func name(of code: Int) -> String { names[code] ?? "\(code)" }
}
