#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import LossKit
import Testing

/// Small products on one thread, large ones on every thread OpenBLAS started with. Each case
/// runs in a child process, so that it starts from OpenBLAS's own setting.
@Suite struct BLASThreadsTests {
    @Test func aLargeProductAfterASmallOneGetsEveryThreadBack() async {
        await #expect(processExitsWith: .success) {
            let started = BLASThreads.setting
            BLASThreads.prepare(m: 128, n: 16, k: 768)
            guard BLASThreads.setting == 1 else { exit(1) }
            BLASThreads.prepare(m: 1024, n: 1024, k: 768)
            exit(BLASThreads.setting == started ? 0 : 2)
        }
    }

    @Test func insideOnOneThreadEvenALargeProductRunsOnOneThread() async {
        await #expect(processExitsWith: .success) {
            let started = BLASThreads.setting
            guard started > 1 else { exit(0) }
            BLASThreads.onOneThread { BLASThreads.prepare(m: 1024, n: 1024, k: 768) }
            guard BLASThreads.setting == 1 else { exit(1) }
            BLASThreads.prepare(m: 1024, n: 1024, k: 768)
            exit(BLASThreads.setting == started ? 0 : 2)
        }
    }
}
