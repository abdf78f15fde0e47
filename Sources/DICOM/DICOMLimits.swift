/// Upper bounds that protect against absurd sizes in hostile or corrupt files. The defaults allow
/// every real CT/MR object; tools like the fuzzer pass lower ones to find runaway allocations sooner.
///
/// A value given to `DICOMFile.read`/`parse` (and kept by the file for its pixel decoding), not a
/// process-wide setting, so one caller's limits never change another's.
public struct DICOMLimits: Sendable, Equatable {
    /// Largest dataset a Deflated transfer syntax may inflate to.
    public var maxInflatedBytes: Int
    /// Largest number of samples in one frame (rows x columns x samples per pixel).
    public var maxSamplesPerFrame: Int

    public init(maxInflatedBytes: Int = 1 << 30, maxSamplesPerFrame: Int = 1 << 28) {
        self.maxInflatedBytes = maxInflatedBytes
        self.maxSamplesPerFrame = maxSamplesPerFrame
    }

    /// Large enough for every real CT/MR object.
    public static let standard = DICOMLimits()
}
