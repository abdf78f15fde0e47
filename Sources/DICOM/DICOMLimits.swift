/// Upper bounds that protect against absurd sizes in hostile or corrupt files. The defaults allow
/// every real CT/MR object; tools like the fuzzer lower them to find runaway allocations sooner.
public enum DICOMLimits {
    /// Largest dataset a Deflated transfer syntax may inflate to.
    nonisolated(unsafe) public static var maxInflatedBytes = 1 << 30
    /// Largest number of samples in one frame (rows x columns x samples per pixel).
    nonisolated(unsafe) public static var maxSamplesPerFrame = 1 << 28
}
