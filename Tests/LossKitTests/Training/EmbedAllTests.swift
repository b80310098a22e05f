@testable import LossKit
import Testing

@Suite struct EmbedAllTests {
    /// A linear encoder embeds every item straight from its input rows; the values are those
    /// of the chunked forward passes, bit for bit, over more than one chunk and a partial one.
    @Test(arguments: [false, true])
    func linearEmbeddingsOfEveryItemAreTheForwardPasses(normalize: Bool) throws {
        var random = SeededRandom(seed: 3)
        let count = 2 * Encoder<Float>.embedChunk + 517
        var inputs = Matrix<Float>(zeros: count, 24)
        for k in inputs.values.indices { inputs.values[k] = Float(random.normal()) }
        let encoder = try Encoder<Float>(kind: .linear(output: 7), input: .vectors(ReadOnlyRows(inputs)), normalize: normalize, seed: 5)
        let all = encoder.embedAll()
        #expect(all.rows == count && all.cols == 7)
        #expect(all.values.map(\.bitPattern) == encoder.embedAllByChunks().values.map(\.bitPattern))
    }
}
