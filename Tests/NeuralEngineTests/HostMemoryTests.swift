@testable import NeuralEngine
import XCTest

/// Large activation buffers: 2 MiB-aligned mappings, reused for the same size, and never more mapped
/// memory (in use + cached) than the most ever in use.
final class HostMemoryTests: XCTestCase {
    override func setUp() { HostMemory.releaseCached() }
    override func tearDown() { HostMemory.releaseCached() }

    func testSmallBuffersAreAlignedAndNotCounted() throws {
        let before = HostMemory.largeBufferBytes.current
        let p = try XCTUnwrap(HostMemory.allocate(bytes: 1000))
        XCTAssertEqual(UInt(bitPattern: p) % 64, 0)
        XCTAssertEqual(HostMemory.largeBufferBytes.current, before)
        HostMemory.deallocate(p, bytes: 1000)
    }

    func testLargeBuffersAreHugePageAlignedWritableAndReusedBySize() throws {
        let bytes = 5 << 20 + 123
        let before = HostMemory.largeBufferBytes.current
        let a = try XCTUnwrap(HostMemory.allocate(bytes: bytes))
        XCTAssertEqual(UInt(bitPattern: a) % UInt(HostMemory.hugePage), 0)
        XCTAssertEqual(HostMemory.largeBufferBytes.current - before, 6 << 20, "rounded up to whole 2 MiB pages")
        let f = a.bindMemory(to: Float.self, capacity: bytes / 4)
        for i in stride(from: 0, to: bytes / 4, by: 1024) { f[i] = Float(i) }
        XCTAssertEqual(f[4096], 4096)
        HostMemory.deallocate(a, bytes: bytes)
        XCTAssertEqual(HostMemory.largeBufferBytes.current, before)
        // The same reserved size comes back from the cache; another size does not take it.
        let b = try XCTUnwrap(HostMemory.allocate(bytes: 6 << 20))
        XCTAssertEqual(a, b)
        let c = try XCTUnwrap(HostMemory.allocate(bytes: 6 << 20))
        XCTAssertNotEqual(b, c)
        HostMemory.deallocate(b, bytes: 6 << 20)
        HostMemory.deallocate(c, bytes: 6 << 20)
    }

    func testCacheNeverRaisesMappedMemoryAboveThePeakInUse() throws {
        // Peak in use so far is at least 2 x 8 MiB after this; freeing both caches 16 MiB. A request of
        // another size (12 MiB) misses and must first unmap cached buffers so that in-use + cached
        // stays within the lifetime peak.
        let x = try XCTUnwrap(HostMemory.allocate(bytes: 8 << 20))
        let y = try XCTUnwrap(HostMemory.allocate(bytes: 8 << 20))
        HostMemory.deallocate(x, bytes: 8 << 20)
        HostMemory.deallocate(y, bytes: 8 << 20)
        let z = try XCTUnwrap(HostMemory.allocate(bytes: 12 << 20))
        XCTAssertLessThanOrEqual(HostMemory.mappedBytes, HostMemory.lifetimePeakBytes)
        HostMemory.deallocate(z, bytes: 12 << 20)
        HostMemory.releaseCached()
        XCTAssertEqual(HostMemory.mappedBytes, HostMemory.largeBufferBytes.current)
    }

    func testFeatureMapsRoundTripThroughCachedBuffers() throws {
        // A cached buffer holds old values: a zeroed map must still come back zeroed.
        do {
            let m = try FeatureMap(n: 1, c: 8, d: 64, h: 64, w: 64)
            m.withUnsafeData { $0.update(repeating: 7, count: m.count) }
        }
        let z = try FeatureMap(n: 1, c: 8, d: 64, h: 64, w: 64, zeroed: true)
        XCTAssertEqual(z.withUnsafeData { p in (0..<z.count).reduce(Float(0)) { max($0, abs(p[$1])) } }, 0)
    }

    /// A map the system cannot hold is an error the caller can report, not a crash.
    func testImpossibleFeatureMapThrowsOutOfMemory() {
        XCTAssertThrowsError(try FeatureMap(n: 1 << 20, c: 1 << 20, d: 1 << 10, h: 1 << 10, w: 1 << 10)) { e in
            guard case NeuralEngineError.outOfMemory = e else { return XCTFail("expected outOfMemory, got \(e)") }
        }
        XCTAssertThrowsError(try FeatureMap(n: 1, c: 4096, d: 4096, h: 4096, w: 4096)) { e in
            guard case NeuralEngineError.outOfMemory = e else { return XCTFail("expected outOfMemory, got \(e)") }
        }
        XCTAssertThrowsError(try FeatureMap(n: 1, c: 0, d: 1, h: 1, w: 1))
    }
}
