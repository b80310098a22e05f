import LossKit

/// A free embedding table trained with plain SGD on Gaussian blobs: the demo's whole engine,
/// until LossSession's trainer exists.
final class ToyTraining {
    let loss: any EmbeddingLoss
    private var table: Matrix<Float>
    private let labels: [Double]

    struct StepReport {
        var value: Double
        var gradientNorm: Double
        var counts: MiningCounts
    }

    init(lossName: String, seed: UInt64, classes: Int = 4, perClass: Int = 16, dimension: Int = 8) throws {
        loss = try LossCatalog.make(lossName)
        guard loss.inputSpec.labels == .classes && loss.inputSpec.minColumns == 1 else {
            throw LossError("the demo trains the batch triplet losses (one column with class labels); \(lossName) needs other data — try `losslab eval`")
        }
        var random = SeededRandom(seed: seed)
        let centers = (0..<classes).map { _ in (0..<dimension).map { _ in random.normal() * 1.5 } }
        var values: [Float] = []
        var labels: [Double] = []
        for point in 0..<(classes * perClass) {
            let label = point % classes
            labels.append(Double(label))
            values += centers[label].map { Float($0 + random.normal()) }
        }
        table = Matrix(rows: labels.count, cols: dimension, values: values)
        self.labels = labels
    }

    func step(learningRate: Double) throws -> StepReport {
        let result = try loss.evaluate(LossBatch(columns: [table], labels: labels))
        let gradient = result.columnGradients[0]
        let rate = Float(learningRate)
        for k in table.values.indices { table.values[k] -= rate * gradient.values[k] }
        return StepReport(value: Double(result.value), gradientNorm: gradient.norm, counts: result.mining.counts)
    }
}
