/// The input corruption of TSDAE: word deletion, as sentence-transformers'
/// `DenoisingAutoEncoderDataset.delete` (v1.2.0) applies it to a sentence before encoding.
///
/// The reference draws one uniform number per word and keeps the word when the number exceeds
/// the deletion ratio; when no word survives it keeps one word chosen uniformly at random, so
/// the encoder never sees an empty sentence. Here the words are token ids.
public enum DenoisingNoise {
    /// The reference's default deletion ratio.
    public static let defaultRatio = 0.6

    /// `tokens` with each word kept with probability 1 - `ratio`, order preserved.
    ///
    /// - Padding (id 0) is not a word: it is dropped before the draw, so the result holds only
    ///   real tokens. A list without real tokens comes back empty (the reference returns an
    ///   empty text unchanged) and consumes no random numbers.
    /// - Exactly one uniform number is drawn per word, in order, and one more only when every
    ///   word was deleted (to pick the survivor), so the same seed gives the same result.
    /// - The uniform numbers lie in (0, 1], so ratio 0 keeps every word and ratio 1 keeps
    ///   exactly one (numpy's [0, 1) could, with probability 2⁻⁵³, delete a word at ratio 0).
    public static func delete(tokens: [Int], ratio: Double = defaultRatio, random: inout SeededRandom) -> [Int] {
        precondition(ratio >= 0 && ratio <= 1, "deletion ratio must lie in [0, 1], got \(ratio)")
        var words: [Int] = []
        words.reserveCapacity(tokens.count)
        for id in tokens where id != 0 { words.append(id) }
        if words.isEmpty { return [] }
        var kept: [Int] = []
        kept.reserveCapacity(words.count)
        for word in words where unitInterval(&random) > ratio { kept.append(word) }
        if kept.isEmpty {
            let pick = min(Int(random.uniform(0, 1) * Double(words.count)), words.count - 1)
            kept.append(words[pick])
        }
        return kept
    }

    /// Uniform in (0, 1]: 53 random bits, shifted up by one unit.
    @inline(__always)
    static func unitInterval(_ random: inout SeededRandom) -> Double {
        Double((random.next() >> 11) + 1) * 0x1.0p-53
    }
}
