#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

import LossData

/// Crashes the session fuzz target (Fuzz/Sources/FuzzSession) found in the P×K batch
/// sampler, fed back at the sampler. Each case runs in a child process (an exit test) with
/// its address space capped at 4 GB, so a regression fails this test instead of killing the
/// test run or exhausting the machine. Refusing the value (a thrown DataError) or keeping the
/// batch within bounds are both fine answers; dying is not.
@Suite struct BatchSamplerRegressionTests {
    /// `load toy:blobs classes=3 per_class=6 dim=4`, `set batch_size=1000000`, `step 1`: the
    /// P×K sampler fills a 1,000,000-example batch from 18 examples (by replacement), and
    /// the loss's 10^6 × 10^6 distance matrix is a 4 TB allocation ("failed to allocate
    /// 3999992000036 bytes"). The random and no-duplicates samplers stop at the pool size.
    @Test func batchSizeFarBeyondThePool() async {
        await #expect(processExitsWith: .success) {
            capAddressSpace()
            let pool = Array(0..<18)
            let classOf = pool.map { $0 % 3 }
            do {
                var sampler = try BatchSampler(kind: .pk, batchSize: 1_000_000, perClass: 4, pool: pool, classOf: classOf, seed: 1)
                let batch = sampler.next()
                // At most K draws of each example of the pool.
                guard batch.count <= pool.count * 4 else { exit(1) }
            } catch {
                guard error is DataError else { exit(2) }
            }
        }
    }

    /// `set k=100000000000`, `step 1`: the P×K sampler draws K examples of each chosen class
    /// before cutting the batch to batch_size, so it appends 10^11 indices ("failed to
    /// allocate 4295032768 bytes" under a 4 GB limit; unbounded without one).
    @Test func examplesPerClassFarBeyondTheBatch() async {
        await #expect(processExitsWith: .success) {
            capAddressSpace()
            let pool = Array(0..<18)
            let classOf = pool.map { $0 % 3 }
            do {
                var sampler = try BatchSampler(kind: .pk, batchSize: 32, perClass: 100_000_000_000, pool: pool, classOf: classOf, seed: 1)
                let batch = sampler.next()
                guard batch.count <= 32 else { exit(1) }
            } catch {
                guard error is DataError else { exit(2) }
            }
        }
    }
}

/// Caps the (child) process's address space at 4 GB, so an allocation bomb fails at once.
private func capAddressSpace() {
    var limit = rlimit(rlim_cur: 4 << 30, rlim_max: 4 << 30)
    #if canImport(Glibc)
    _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
    #else
    _ = setrlimit(RLIMIT_AS, &limit)
    #endif
}
