import LossData
import LossKit
import LossSession
import Testing

/// `losslab eval`'s engine: bad requests are refused with a message that names the problem.
@Suite struct EvalJobTests {
    static func column(_ rows: Int, _ cols: Int, seed: UInt64 = 1) -> NumpyArray {
        var random = SeededRandom(seed: seed)
        return NumpyArray(shape: [rows, cols], dtype: .float32,
                          storage: .floats32((0..<(rows * cols)).map { _ in Float(random.normal()) }), source: "x.npy")
    }

    static func ints(_ values: [Int64]) -> NumpyArray {
        NumpyArray(shape: [values.count], dtype: .int64, storage: .ints(values), source: "labels.npy")
    }

    func message(_ request: EvalRequest) -> String? {
        do {
            _ = try EvalJob.run(request)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func refusesWhatTheLossCannotTake() {
        let x = Self.column(6, 4)
        #expect(message(EvalRequest(lossName: "Nope", embeddings: [x]))?.contains("unknown loss") == true)
        #expect(message(EvalRequest(lossName: "TripletLoss", settings: ["margin": "1"], embeddings: [x, x, x]))?
            .contains("triplet_margin") == true)
        #expect(message(EvalRequest(lossName: "TripletLoss", embeddings: [x]))?.contains("3 embedding column") == true)
        #expect(message(EvalRequest(lossName: "BatchHardTripletLoss", embeddings: [x]))?.contains("--labels") == true)
        #expect(message(EvalRequest(lossName: "BatchHardTripletLoss", embeddings: [x], labels: Self.ints([0, 1])))?
            .contains("6 rows but 2 labels") == true)
        #expect(message(EvalRequest(lossName: "ContrastiveLoss", settings: ["distance_metric": "chebyshev"],
                                    embeddings: [x, x], labels: Self.ints([0, 1, 0, 1, 0, 1])))?.contains("chebyshev") == true)
        #expect(message(EvalRequest(lossName: "BatchHardSoftMarginTripletLoss", settings: ["margin": "1"],
                                    embeddings: [x], labels: Self.ints([0, 0, 1, 1, 2, 2])))?.contains("no parameter 'margin'") == true)
        #expect(message(EvalRequest(lossName: "MegaBatchMarginLoss", settings: ["mini_batch_size": "0"], embeddings: [x, x]))?
            .contains("at least 1") == true)
        #expect(message(EvalRequest(lossName: "SoftmaxLoss", embeddings: [x, x], labels: Self.ints([0, 1, 2, 3, 0, 1])))?
            .contains("outside 0..<3") == true)
        #expect(message(EvalRequest(lossName: "CosineSimilarityLoss", embeddings: [x, Self.column(6, 5)],
                                    labels: Self.ints([0, 1, 0, 1, 0, 1])))?.contains("dimension") == true)
    }

    @Test func refusesNonFiniteInputNamingTheRow() {
        var x = Self.column(6, 4)
        x.storage = .floats32((0..<24).map { $0 == 9 ? .nan : Float($0) })
        let text = message(EvalRequest(lossName: "MSELoss", embeddings: [x], labels: Self.column(6, 4)))
        #expect(text?.contains("row 2, column 1") == true)
    }

    @Test func softmaxWithoutWeightsInitialisesThemAndSaysSo() throws {
        let x = Self.column(6, 4)
        let outcome = try EvalJob.run(EvalRequest(lossName: "SoftmaxLoss", settings: ["num_labels": "3"], embeddings: [x, x],
                                                  labels: Self.ints([0, 1, 2, 0, 1, 2])))
        #expect(outcome.initializedWeights)
        #expect(outcome.result.parameterGradients["classifier.weight"]?.shape == [3, 12])
        #expect(outcome.json(includeMined: false).contains("\"initialized_parameters\": true"))
    }

    @Test func jsonCarriesLossCountsAndTuples() throws {
        let x = Self.column(8, 3)
        let outcome = try EvalJob.run(EvalRequest(lossName: "BatchHardTripletLoss", settings: ["margin": "1"], embeddings: [x],
                                                  labels: Self.ints([0, 0, 1, 1, 2, 2, 3, 3])))
        let json = outcome.json(includeMined: true)
        #expect(json.hasPrefix("{\"loss\": "))
        #expect(json.contains("\"counts\": {\"valid\": 48"))
        #expect(outcome.result.mining.tuples.count == 8)
    }
}
