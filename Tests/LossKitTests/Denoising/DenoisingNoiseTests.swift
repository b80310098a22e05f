import LossKit
import Testing

/// TSDAE's word-deletion noise.
@Suite struct DenoisingNoiseTests {
    static let sentence = [5, 9, 2, 14, 7, 7, 30, 11, 3, 8]

    @Test func sameSeedGivesSameResult() {
        var first = SeededRandom(seed: 42), second = SeededRandom(seed: 42)
        for _ in 0..<50 {
            let a = DenoisingNoise.delete(tokens: Self.sentence, random: &first)
            let b = DenoisingNoise.delete(tokens: Self.sentence, random: &second)
            #expect(a == b)
        }
        // And the stream stays in step afterwards.
        #expect(first.next() == second.next())
    }

    @Test func differentSeedsDiffer() {
        var outcomes = Set<[Int]>()
        for seed in UInt64(0)..<20 {
            var random = SeededRandom(seed: seed)
            outcomes.insert(DenoisingNoise.delete(tokens: Self.sentence, random: &random))
        }
        #expect(outcomes.count > 10)
    }

    @Test func resultIsAnOrderedSubsequence() {
        var random = SeededRandom(seed: 3)
        for _ in 0..<200 {
            let kept = DenoisingNoise.delete(tokens: Self.sentence, ratio: 0.5, random: &random)
            #expect(!kept.isEmpty && kept.count <= Self.sentence.count)
            var position = Self.sentence.startIndex
            for id in kept {
                let found = Self.sentence[position...].firstIndex(of: id)
                #expect(found != nil, "\(kept) is not a subsequence of \(Self.sentence)")
                position = (found ?? Self.sentence.endIndex - 1) + 1
            }
        }
    }

    @Test func ratioZeroKeepsEverything() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<500 {
            #expect(DenoisingNoise.delete(tokens: Self.sentence, ratio: 0, random: &random) == Self.sentence)
        }
    }

    @Test func ratioOneKeepsExactlyOneWord() {
        var random = SeededRandom(seed: 8)
        var survivors = Set<Int>()
        for _ in 0..<500 {
            let kept = DenoisingNoise.delete(tokens: Self.sentence, ratio: 1, random: &random)
            #expect(kept.count == 1 && Self.sentence.contains(kept[0]))
            survivors.formUnion(kept)
        }
        // The survivor is chosen at random, so every word turns up.
        #expect(survivors == Set(Self.sentence))
    }

    @Test(arguments: [0.1, 0.3, 0.6, 0.9])
    func longRunKeepFractionIsOneMinusRatio(_ ratio: Double) {
        var random = SeededRandom(seed: 11)
        let words = Array(1...100)
        var kept = 0, total = 0, rescued = 0
        for _ in 0..<2000 {
            let result = DenoisingNoise.delete(tokens: words, ratio: ratio, random: &random)
            kept += result.count
            total += words.count
            if result.count == 1 { rescued += 1 }
        }
        let fraction = Double(kept) / Double(total)
        // 200 000 Bernoulli draws: the standard error is below 0.0012.
        #expect(abs(fraction - (1 - ratio)) < 0.006, "ratio \(ratio): kept \(fraction)")
    }

    @Test func shortSentencesAreRescuedAtTheReferenceRate() {
        // A two-word sentence at ratio 0.6 loses both words with probability 0.36 and then
        // keeps one: the expected length is 2·0.4 + 0.36 = 1.16.
        var random = SeededRandom(seed: 12)
        var length = 0
        let trials = 20000
        for _ in 0..<trials {
            let kept = DenoisingNoise.delete(tokens: [4, 9], random: &random)
            #expect(!kept.isEmpty)
            length += kept.count
        }
        #expect(abs(Double(length) / Double(trials) - 1.16) < 0.02)
    }

    @Test func paddingIsNotAWord() {
        var random = SeededRandom(seed: 5)
        #expect(DenoisingNoise.delete(tokens: [0, 4, 0, 6, 0], ratio: 0, random: &random) == [4, 6])
        let before = random
        #expect(DenoisingNoise.delete(tokens: [0, 0], random: &random) == [])
        #expect(DenoisingNoise.delete(tokens: [], random: &random) == [])
        var after = random, untouched = before
        #expect(after.next() == untouched.next(), "a sentence without words draws nothing")
        for _ in 0..<100 {
            #expect(DenoisingNoise.delete(tokens: [0, 3, 0], ratio: 1, random: &random) == [3])
        }
    }

    @Test func lossCorruptsEveryListFromOneStream() throws {
        let loss = try DenoisingAutoEncoderLoss()
        #expect(loss.deletionRatio == 0.6)
        var a = SeededRandom(seed: 9), b = SeededRandom(seed: 9)
        let lists = [Self.sentence, [3, 4], [0, 5, 6]]
        let corrupted = loss.corrupt(lists, random: &a)
        #expect(corrupted == lists.map { DenoisingNoise.delete(tokens: $0, ratio: 0.6, random: &b) })
        #expect(throws: LossError.self) { try DenoisingAutoEncoderLoss(deletionRatio: 1.5) }
        #expect(throws: LossError.self) { try DenoisingAutoEncoderLoss(deletionRatio: -0.1) }
        #expect(throws: LossError.self) { try DenoisingAutoEncoderLoss(deletionRatio: .nan) }
    }
}
