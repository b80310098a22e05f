import Testing

import LossKit
@testable import LossData

@Suite struct BatchSamplerTests {
    /// A large class draws its K members by running only the first K steps of the shuffle a
    /// small class runs whole: the same members in the same order.
    @Test func aLargeClassDrawsTheFirstMembersOfTheWholeShuffle() {
        for size in [BatchSampler.wholeShuffleLimit + 1, 5_000, 70_000] {
            let members = (0..<size).map { $0 * 3 + 7 }
            for count in [1, 4, 32, size] where count <= size {
                var whole = SeededRandom(seed: UInt64(size + count)), partial = whole
                var shuffled = members
                shuffled.shuffle(using: &whole)
                let drawn = BatchSampler.firstOfShuffle(members, count: count, using: &partial)
                #expect(drawn == Array(shuffled.prefix(count)), "class of \(size), \(count) drawn")
            }
        }
    }

    /// P×K batches of a large pool: K distinct members of each drawn class, every member of
    /// its class, and the same batches again from the same seed.
    @Test func pkBatchesOfLargeClassesAreDistinctAndReproducible() throws {
        let pool = Array(0..<60_000)
        let classOf = pool.map { $0 % 3 }
        var first = try BatchSampler(kind: .pk, batchSize: 12, perClass: 4, pool: pool, classOf: classOf, seed: 9)
        var again = first
        for _ in 0..<20 {
            let batch = first.next()
            #expect(batch == again.next())
            #expect(batch.count == 12 && Set(batch).count == 12)
            for start in stride(from: 0, to: 12, by: 4) {
                #expect(Set(batch[start..<(start + 4)].map { classOf[$0] }).count == 1)
            }
        }
    }

    @Test func pkRefusesAPoolWithAnUnlabelledExample() {
        #expect(throws: DataError.self) {
            try BatchSampler(kind: .pk, batchSize: 4, pool: [0, 1, 2], classOf: [0, -1, 1], seed: 1)
        }
        #expect(throws: DataError.self) {
            try BatchSampler(kind: .pk, batchSize: 4, pool: [0, 1, 2], classOf: [0, 1], seed: 1)
        }
    }
}
