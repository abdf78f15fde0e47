import Dispatch
import ImageCore
import XCTest

/// `Parallelism` is a value scoped by `run`: the loops inside see it, nothing outside does, and the
/// worker threads of a parallel loop inherit it (so nested loops obey it too).
final class ParallelismTests: XCTestCase {
    func testDefaultIsAllCoresAndRunScopesTheChoice() {
        XCTAssertEqual(Parallelism.current, .allCores)
        let inside = Parallelism(threadCount: 3).run { Parallelism.current.threadCount }
        XCTAssertEqual(inside, 3)
        XCTAssertEqual(Parallelism.current, .allCores, "run must not leave its choice behind")
        let nested = Parallelism(threadCount: 3).run { Parallelism.serial.run { Parallelism.current.threadCount } }
        XCTAssertEqual(nested, 1, "the innermost run wins")
        XCTAssertEqual(Parallelism(threadCount: 0).threadCount, 1, "at least one thread")
    }

    func testWorkerThreadsOfALoopInheritTheCallersChoice() {
        let seen = Locked(Set<Int>())
        Parallelism(threadCount: 2).run {
            parallelFor(64) { _ in
                let n = Parallelism.current.threadCount
                seen.withLock { $0.insert(n) }
            }
        }
        XCTAssertEqual(seen.current, [2])
    }

    func testTwoThreadsCanHoldDifferentChoicesAtOnce() {
        // What the dataset builder relies on: each scan's worker runs under its own parallelism.
        let seen = Locked([Int: Int]())
        let group = DispatchGroup()
        for n in 1...2 {
            DispatchQueue.global().async(group: group) {
                Parallelism(threadCount: n).run {
                    for _ in 0..<100 {
                        let c = Parallelism.current.threadCount
                        seen.withLock { if $0[n] == nil || $0[n] == c { $0[n] = c } else { $0[n] = -1 } }
                    }
                }
            }
        }
        group.wait()
        XCTAssertEqual(seen.current, [1: 1, 2: 2])
    }

    func testLockedSerialisesUpdatesFromManyThreads() {
        let counter = Locked(0)
        Parallelism(threadCount: 4).run {
            parallelFor(1000) { _ in counter.withLock { $0 += 1 } }
        }
        XCTAssertEqual(counter.current, 1000)
    }
}
