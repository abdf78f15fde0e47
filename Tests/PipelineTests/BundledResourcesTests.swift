import Foundation
import Pipeline
import XCTest

/// The search rules of `BundledResources`, posed on folders made here: an installed prefix, a checkout
/// build, overrides, and the current directory that must not count.
final class BundledResourcesTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("resources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// A `share/deepstroke` under `prefix` with an atlas marker and, optionally, a model marker.
    func makeShare(_ prefix: URL, model: Bool = true) throws {
        let share = prefix.appendingPathComponent(BundledResources.shareSubpath)
        let atlas = share.appendingPathComponent(BundledResources.atlasSubpath)
        try FileManager.default.createDirectory(at: atlas, withIntermediateDirectories: true)
        try Data([0]).write(to: atlas.appendingPathComponent("labels.nii.gz"))
        if model {
            let m = share.appendingPathComponent(BundledResources.modelSubpath)
            try FileManager.default.createDirectory(at: m, withIntermediateDirectories: true)
            try Data([0]).write(to: m.appendingPathComponent("model.safetensors"))
        }
    }

    func testInstalledPrefixIsFoundFromItsBinFolder() throws {
        let prefix = root.appendingPathComponent("usr/local")
        try makeShare(prefix)
        let r = BundledResources(environment: [:], executable: prefix.appendingPathComponent("bin/deepstroke"), sourceRoot: nil)
        XCTAssertEqual(r.atlas.usable?.standardizedFileURL.path, prefix.appendingPathComponent("share/deepstroke/atlas").path)
        XCTAssertEqual(r.model.usable?.standardizedFileURL.path,
                       prefix.appendingPathComponent("share/deepstroke/models/aspects-unet-frame").path)
        XCTAssertTrue(r.atlas.source.contains("from the executable"), r.atlas.source)
    }

    func testCheckoutBuildFolderIsFoundAbove() throws {
        let checkout = root.appendingPathComponent("deepstroke")
        try makeShare(checkout)
        let exe = checkout.appendingPathComponent(".build/x86_64-unknown-linux-gnu/release/deepstroke")
        let r = BundledResources(environment: [:], executable: exe, sourceRoot: nil)
        XCTAssertEqual(r.share?.standardizedFileURL.path, checkout.appendingPathComponent("share/deepstroke").path)
        XCTAssertNotNil(r.model.usable)
    }

    func testOtherScratchPathFallsBackToTheCompiledCheckout() throws {
        let checkout = root.appendingPathComponent("src")
        try makeShare(checkout)
        let exe = root.appendingPathComponent("scratch/release/deepstroke")
        let r = BundledResources(environment: [:], executable: exe, sourceRoot: checkout)
        XCTAssertEqual(r.atlas.usable?.standardizedFileURL.path, checkout.appendingPathComponent("share/deepstroke/atlas").path)
        XCTAssertTrue(r.atlas.source.contains("checkout"), r.atlas.source)
    }

    func testEnvironmentOverridesWinAndAreChecked() throws {
        let prefix = root.appendingPathComponent("prefix")
        try makeShare(prefix)
        let site = root.appendingPathComponent("site-model")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        try Data([0]).write(to: site.appendingPathComponent("model.safetensors"))
        let exe = prefix.appendingPathComponent("bin/deepstroke")
        let r = BundledResources(environment: ["DEEPSTROKE_MODEL": site.path], executable: exe, sourceRoot: nil)
        XCTAssertEqual(r.model.usable?.path, site.path)
        XCTAssertEqual(r.model.source, "DEEPSTROKE_MODEL")
        XCTAssertNotNil(r.atlas.usable, "the atlas still comes from the prefix")
        // An override to a folder without the model is reported, never silently replaced by the bundle.
        let empty = root.appendingPathComponent("empty")
        let bad = BundledResources(environment: ["DEEPSTROKE_ATLAS": empty.path], executable: exe, sourceRoot: nil)
        XCTAssertNil(bad.atlas.usable)
        XCTAssertTrue(bad.atlas.problem?.contains("DEEPSTROKE_ATLAS") == true, "\(String(describing: bad.atlas.problem))")
        XCTAssertThrowsError(try DefaultAtlas.directory(bad))
    }

    func testMissingShareIsAProblemNotTheCurrentDirectory() throws {
        // A share folder in the current directory does not count: only the executable's location does.
        try makeShare(root)
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(root.path))
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        let r = BundledResources(environment: [:], executable: URL(fileURLWithPath: "/opt/elsewhere/bin/deepstroke"), sourceRoot: nil)
        XCTAssertNil(r.share)
        XCTAssertNil(r.atlas.usable)
        XCTAssertNil(BundledModel.directory(r))
        XCTAssertTrue(r.model.problem?.contains("share/deepstroke") == true)
    }

    func testPrefixWithoutModelReportsTheModelOnly() throws {
        let prefix = root.appendingPathComponent("p")
        try makeShare(prefix, model: false)
        let r = BundledResources(environment: [:], executable: prefix.appendingPathComponent("bin/deepstroke"), sourceRoot: nil)
        XCTAssertNotNil(r.atlas.usable)
        XCTAssertNil(r.model.usable)
        XCTAssertTrue(r.model.problem?.contains("model.safetensors") == true)
    }

    /// This test binary lives in the checkout's .build: it finds the shipped files.
    func testThisCheckoutShipsAtlasAndModel() throws {
        let r = BundledResources.current(environment: ProcessInfo.processInfo.environment)
        XCTAssertNotNil(r.atlas.usable, "\(r.atlas)")
        XCTAssertNotNil(r.model.usable, "\(r.model)")
    }
}
