// swift-tools-version:6.0
import PackageDescription

// Swift 5 language mode: the numeric kernels share raw buffers across threads, which the
// Swift 6 checker cannot prove safe; the parallel helpers in ImageCore carry that burden.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

func module(_ name: String, _ deps: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: deps, swiftSettings: settings)
}
func tests(_ name: String, _ deps: [Target.Dependency]) -> Target {
    .testTarget(name: name, dependencies: deps, swiftSettings: settings)
}

let package = Package(
    name: "DeepStroke",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "deepstroke", targets: ["DeepStrokeCLI"]),
        // Timing commands for bench/*.py and the NIfTI rewriter of reference-tests; not for users.
        .executable(name: "deepstroke-bench", targets: ["DeepStrokeBench"]),
        .library(name: "DeepStroke", targets: ["ImageCore", "NIfTI", "DICOM", "Morphology", "Registration",
                                               "NeuralEngine", "Segmentation", "Atlas", "ASPECTS", "Rendering", "Pipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // C libraries from Debian, reached through module maps.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CCharLS", pkgConfig: "charls", providers: [.apt(["libcharls-dev"])]),
        .systemLibrary(name: "COpenJPEG", pkgConfig: "libopenjp2", providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // MPI through its generic pkg-config name (Debian's alternatives point it at Open MPI or MPICH).
        .systemLibrary(name: "CMPI", pkgConfig: "mpi-c", providers: [.apt(["libopenmpi-dev"])]),

        module("ImageCore"),
        module("NIfTI", ["ImageCore", "CZlib", "CDeflate"]),
        module("Rendering", ["ImageCore", "CZlib"]),
        module("DICOM", ["ImageCore", "CZlib", "CCharLS", "COpenJPEG", "CTurboJPEG"]),
        module("Morphology", ["ImageCore"]),
        module("Registration", ["ImageCore", "NIfTI"]),
        // AVX2 + FMA code generation for the engine's SIMD loops (8-float vectors in one register).
        .target(name: "NeuralEngine", dependencies: ["CDNNL", "ImageCore"],
                swiftSettings: settings + [.unsafeFlags(["-target-cpu", "haswell"])]),
        module("Segmentation", ["NeuralEngine", "ImageCore", "NIfTI", "Morphology"]),
        module("Atlas", ["ImageCore", "NIfTI", "Registration", "Morphology", "Rendering", "ASPECTS"]),
        module("ASPECTS", ["ImageCore", "NIfTI", "Rendering"]),
        // Data-parallel training over MPI: the Trainer's communicator and the launch around it.
        module("DistributedTraining", ["CMPI", "Segmentation"]),
        module("Pipeline", ["ImageCore", "NIfTI", "DICOM", "Morphology", "Registration", "Segmentation", "Atlas", "ASPECTS",
                            "Rendering", .product(name: "GRDB", package: "GRDB.swift")]),
        // DICOM Upper Layer and DIMSE (PS3.7, PS3.8): PDUs, associations, C-ECHO/C-STORE SCP and SCU.
        module("DICOMNetwork", ["DICOM", "ImageCore"]),
        // `deepstroke serve`: inbox, SQLite job store, study timeout, workers, sender with retry.
        module("DICOMNode", ["DICOMNetwork", "DICOM", "ImageCore", "Rendering", "ASPECTS", "Pipeline", .product(name: "GRDB", package: "GRDB.swift")]),
        // What both executables share: --threads, the entry that reads the environment, argument types.
        module("CommandSupport", ["ImageCore", "Pipeline", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "DeepStrokeCLI",
                          dependencies: ["Pipeline", "CommandSupport", "DICOMNode", "DICOMNetwork", "ImageCore", "NIfTI", "DICOM",
                                         "Morphology", "Registration", "NeuralEngine", "Segmentation", "DistributedTraining", "Atlas", "ASPECTS",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: settings),
        .executableTarget(name: "DeepStrokeBench",
                          dependencies: ["ImageCore", "NIfTI", "NeuralEngine", "Segmentation", "CommandSupport",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: settings),

        tests("ImageCoreTests", ["ImageCore"]),
        tests("NIfTITests", ["NIfTI"]),
        tests("DICOMTests", ["DICOM"]),
        tests("MorphologyTests", ["Morphology", "NIfTI"]),
        tests("RegistrationTests", ["Registration"]),
        tests("NeuralEngineTests", ["NeuralEngine"]),
        tests("SegmentationTests", ["Segmentation"]),
        tests("AtlasTests", ["Atlas", "ASPECTS", "NIfTI", "Rendering", "DICOM", "Registration", "Morphology"]),
        tests("ASPECTSTests", ["ASPECTS"]),
        tests("RenderingTests", ["Rendering"]),
        // Runs the built executables as a user would (and parses with @testable import of the CLI).
        tests("DeepStrokeCLITests", ["DeepStrokeCLI", "DeepStrokeBench", "CommandSupport", "ImageCore", "NIfTI", "Pipeline", "Registration"]),
        tests("DICOMNetworkTests", ["DICOMNetwork"]),
        tests("DICOMNodeTests", ["DICOMNode"]),
        tests("PipelineTests", ["Pipeline", "ImageCore", "NIfTI", "DICOM", "Morphology", "Registration", "Segmentation", "Atlas", "ASPECTS"]),
        // Reads Package.swift, docs/ARCHITECTURE.md and the import lines in Sources/ as text: no module deps.
        tests("ArchitectureTests", []),
    ]
)
