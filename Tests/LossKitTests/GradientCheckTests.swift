import LossKit
import Testing

/// Central finite differences in Double against every loss's analytic gradient, for every
/// loss × metric (and the options that change the gradient's path).
@Suite struct GradientCheckTests {
    struct Configuration: CustomStringConvertible, Sendable {
        var loss: String
        var settings: [String: String]
        var reference: LossReference = .latest
        var input: Input = .plain
        var description: String {
            ([loss, reference.rawValue] + settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
                + (input == .plain ? "" : " \(input)")
        }
    }

    /// What the batch holds besides the loss's minimal input.
    enum Input: Equatable, Sendable, CustomStringConvertible {
        case plain
        /// This many columns (MSELoss's several students).
        case columns(Int)
        /// This many columns, each with its own teacher (MSELoss's (N, C, D) labels).
        case teacherPerColumn(Int)
        /// (N, 3) class probabilities instead of class ids (SoftmaxLoss).
        case softLabels
        /// The rows multiplied by this (a soft margin's linear region).
        case spread(Double)
        /// This many columns with the teacher's margins (N, columns - 2) instead of its scores
        /// of every column past the query (MarginMSELoss).
        case margins(Int)
        /// A -inf teacher score in row 0 (DistillKLDivLoss leaves that candidate out).
        case excludedCandidate

        var description: String {
            switch self {
            case .plain: "plain"
            case .columns(let c): "\(c) columns"
            case .teacherPerColumn(let c): "\(c) columns, a teacher each"
            case .softLabels: "soft labels"
            case .spread(let factor): "rows x\(factor)"
            case .margins(let c): "\(c) columns, margins"
            case .excludedCandidate: "a -inf teacher score"
            }
        }
    }

    static let configurations: [Configuration] = {
        var list: [Configuration] = []
        for loss in ["BatchAllTripletLoss", "BatchHardTripletLoss", "BatchSemiHardTripletLoss"] {
            for metric in ["euclidean", "cosine"] {
                list.append(Configuration(loss: loss, settings: ["distance_metric": metric, "margin": metric == "cosine" ? "0.3" : "2"]))
            }
        }
        for metric in ["euclidean", "cosine"] {
            list.append(Configuration(loss: "BatchHardSoftMarginTripletLoss", settings: ["distance_metric": metric]))
        }
        for metric in ["euclidean", "manhattan", "cosine"] {
            list.append(Configuration(loss: "ContrastiveLoss", settings: ["distance_metric": metric, "margin": "2"]))
            list.append(Configuration(loss: "ContrastiveLoss", settings: ["distance_metric": metric, "size_average": "false"]))
            list.append(Configuration(loss: "OnlineContrastiveLoss", settings: ["distance_metric": metric, "margin": "3"]))
            list.append(Configuration(loss: "TripletLoss", settings: ["distance_metric": metric, "triplet_margin": "1"]))
        }
        for miner in TripletMiner.allCases {
            for metric in ["euclidean", "cosine"] {
                list.append(Configuration(loss: "MinedTripletLoss", settings: ["miner": miner.rawValue, "distance_metric": metric,
                                                                             "margin": metric == "cosine" ? "0.5" : "2"]))
            }
        }
        // 1.2.0 where its gradients take another path: torch's pairwise distances (eps 1e-6,
        // cosine clamped at 1e-8) in TripletLoss, the masked-minimum semi-hard negative, the
        // last mini-batch of MegaBatchMarginLoss.
        for metric in ["euclidean", "manhattan", "cosine"] {
            list.append(Configuration(loss: "TripletLoss", settings: ["distance_metric": metric, "triplet_margin": "1"], reference: .v1_2_0))
            list.append(Configuration(loss: "OnlineContrastiveLoss", settings: ["distance_metric": metric, "margin": "3"], reference: .v1_2_0))
        }
        for metric in ["euclidean", "cosine"] {
            list.append(Configuration(loss: "BatchSemiHardTripletLoss", settings: ["distance_metric": metric, "margin": metric == "cosine" ? "0.3" : "2"],
                                      reference: .v1_2_0))
        }
        // softplus's linear region (6.2.0) against log1p(exp(x)) (1.2.0).
        for reference in LossReference.allCases {
            list.append(Configuration(loss: "BatchHardSoftMarginTripletLoss", settings: [:], reference: reference, input: .spread(12)))
        }
        list.append(Configuration(loss: "CosineSimilarityLoss", settings: [:]))
        list.append(Configuration(loss: "MSELoss", settings: [:]))
        list.append(Configuration(loss: "MSELoss", settings: [:], reference: .v1_2_0, input: .columns(2)))
        for columns in [2, 3] {
            list.append(Configuration(loss: "MSELoss", settings: [:], input: .columns(columns)))
            list.append(Configuration(loss: "MSELoss", settings: [:], input: .teacherPerColumn(columns)))
        }
        list.append(Configuration(loss: "MSELoss", settings: ["projection_dim": "3"]))
        list.append(Configuration(loss: "MSELoss", settings: ["projection_dim": "4"], input: .columns(2)))
        list.append(Configuration(loss: "MSELoss", settings: ["projection_dim": "2"], input: .teacherPerColumn(3)))
        list.append(Configuration(loss: "MultipleNegativesRankingLoss", settings: [:]))
        list.append(Configuration(loss: "MultipleNegativesRankingLoss", settings: ["similarity_fct": "dot_score", "scale": "1"]))
        for directions in ["query_to_doc,query_to_query", "query_to_doc,doc_to_query", "query_to_doc,doc_to_doc",
                           "query_to_doc,query_to_query,doc_to_query,doc_to_doc"] {
            for similarity in ["cos_sim", "euclidean_sim"] {
                list.append(Configuration(loss: "MultipleNegativesRankingLoss", settings: ["directions": directions, "similarity_fct": similarity, "scale": "2"]))
            }
        }
        // hardness_mode is left out: its penalty is detached (the reference's gradient is by
        // design not the derivative of the value); the golden cases check it.
        list.append(Configuration(loss: "CachedMultipleNegativesRankingLoss", settings: [
            "mini_batch_size": "3", "directions": "query_to_doc,query_to_query,doc_to_query,doc_to_doc"]))
        list.append(Configuration(loss: "MultipleNegativesRankingLoss", settings: ["similarity_fct": "manhattan_sim", "scale": "0.5",
                                                                                    "directions": "query_to_doc,query_to_query,doc_to_query,doc_to_doc"]))
        list.append(Configuration(loss: "MultipleNegativesRankingLoss", settings: ["directions": "query_to_doc,doc_to_query", "partition_mode": "per_direction"]))
        list.append(Configuration(loss: "CachedMultipleNegativesRankingLoss", settings: ["mini_batch_size": "3", "directions": "query_to_doc,doc_to_query",
                                                                                          "partition_mode": "per_direction", "similarity_fct": "dot_score", "scale": "1"]))
        list.append(Configuration(loss: "MultipleNegativesSymmetricRankingLoss", settings: [:]))
        list.append(Configuration(loss: "MultipleNegativesSymmetricRankingLoss", settings: ["similarity_fct": "manhattan_sim", "scale": "0.5"]))
        list.append(Configuration(loss: "CachedMultipleNegativesSymmetricRankingLoss", settings: ["mini_batch_size": "3"]))
        for settings in [["temperature": "0.1"], ["temperature": "0.05", "contrast_anchors": "false"], ["temperature": "0.2", "contrast_positives": "false"],
                         ["margin_strategy": "relative", "margin": "0.1", "temperature": "0.1"], ["margin": "-0.3", "temperature": "0.5"]] {
            list.append(Configuration(loss: "GISTEmbedLoss", settings: settings))
            list.append(Configuration(loss: "CachedGISTEmbedLoss", settings: settings.merging(["mini_batch_size": "3"]) { $1 }))
        }
        for similarity in MatrixSimilarity.allCases.map(\.rawValue) {
            list.append(Configuration(loss: "GlobalOrthogonalRegularizationLoss", settings: ["similarity_fct": similarity]))
        }
        list.append(Configuration(loss: "GlobalOrthogonalRegularizationLoss", settings: ["mean_weight": "none", "aggregation": "sum"]))
        list.append(Configuration(loss: "GlobalOrthogonalRegularizationLoss", settings: ["second_moment_weight": "0", "mean_weight": "-2"]))
        list.append(Configuration(loss: "MegaBatchMarginLoss", settings: ["use_mini_batched_version": "false"]))
        list.append(Configuration(loss: "MegaBatchMarginLoss", settings: ["mini_batch_size": "3"]))
        list.append(Configuration(loss: "MegaBatchMarginLoss", settings: ["mini_batch_size": "1"]))
        list.append(Configuration(loss: "MegaBatchMarginLoss", settings: ["use_mini_batched_version": "false"], reference: .v1_2_0))
        list.append(Configuration(loss: "MegaBatchMarginLoss", settings: ["mini_batch_size": "3"], reference: .v1_2_0))
        list.append(Configuration(loss: "MegaBatchMarginLoss", settings: ["mini_batch_size": "3", "backprop_all_mini_batches": "true"],
                                  reference: .v1_2_0))
        list.append(Configuration(loss: "AnglELoss", settings: ["scale": "5"]))
        for similarity in PairwiseSimilarity.allCases {
            list.append(Configuration(loss: "CoSENTLoss", settings: ["similarity_fct": similarity.rawValue, "scale": "5"]))
        }
        for flags in [("true", "true", "false"), ("false", "true", "true"), ("true", "false", "true")] {
            list.append(Configuration(loss: "SoftmaxLoss", settings: [
                "concatenation_sent_rep": flags.0, "concatenation_sent_difference": flags.1,
                "concatenation_sent_multiplication": flags.2]))
        }
        for similarity in PairwiseSimilarity.allCases.map(\.rawValue) {
            list.append(Configuration(loss: "MarginMSELoss", settings: ["similarity_fct": similarity]))
            list.append(Configuration(loss: "MarginMSELoss", settings: ["similarity_fct": similarity], input: .margins(4)))
            list.append(Configuration(loss: "DistillKLDivLoss", settings: ["similarity_fct": similarity, "temperature": "2"], input: .columns(4)))
        }
        list.append(Configuration(loss: "MarginMSELoss", settings: [:], input: .columns(5)))
        list.append(Configuration(loss: "DistillKLDivLoss", settings: [:]))
        list.append(Configuration(loss: "DistillKLDivLoss", settings: ["student_temperature": "0.5", "teacher_temperature": "3"], input: .columns(4)))
        list.append(Configuration(loss: "DistillKLDivLoss", settings: ["similarity_fct": "pairwise_cos_sim", "temperature": "0.2"], input: .excludedCandidate))
        for metric in EmbedDistillLoss.Metric.allCases.map(\.rawValue) {
            list.append(Configuration(loss: "EmbedDistillLoss", settings: ["distance_metric": metric]))
            list.append(Configuration(loss: "EmbedDistillLoss", settings: ["distance_metric": metric], input: .columns(2)))
            list.append(Configuration(loss: "EmbedDistillLoss", settings: ["distance_metric": metric], input: .teacherPerColumn(3)))
            list.append(Configuration(loss: "EmbedDistillLoss", settings: ["distance_metric": metric, "projection_dim": "3"]))
            list.append(Configuration(loss: "EmbedDistillLoss", settings: ["distance_metric": metric, "projection_dim": "2"], input: .teacherPerColumn(2)))
        }
        list.append(Configuration(loss: "ContrastiveTensionLoss", settings: [:]))
        list.append(Configuration(loss: "ContrastiveTensionLoss", settings: [:], input: .spread(3)))
        for similarity in MatrixSimilarity.allCases.map(\.rawValue) {
            list.append(Configuration(loss: "ContrastiveTensionLossInBatchNegatives", settings: ["similarity_fct": similarity, "scale": "2"]))
        }
        list.append(Configuration(loss: "ContrastiveTensionLossInBatchNegatives", settings: [:]))
        list.append(Configuration(loss: "SoftmaxLoss", settings: [:], input: .softLabels))
        list.append(Configuration(loss: "SoftmaxLoss", settings: ["concatenation_sent_multiplication": "true"], input: .softLabels))
        // MatryoshkaLoss: the chained truncations (equal dimensions too), sampled dimensions, a
        // gradient-caching inner loss (truncated from the raw rows), a shared classifier, a
        // teacher cut to each dimension.
        let nested: [[String: String]] = [
            ["loss": "MultipleNegativesRankingLoss", "matryoshka_dims": "5,3,2"],
            ["loss": "MultipleNegativesRankingLoss", "loss.scale": "5", "loss.similarity_fct": "dot_score", "matryoshka_dims": "2,5,5,3",
             "matryoshka_weights": "1,0.5,2,-1"],
            ["loss": "MultipleNegativesRankingLoss", "matryoshka_dims": "5,4,3,2", "n_dims_per_step": "2"],
            ["loss": "CachedMultipleNegativesRankingLoss", "loss.mini_batch_size": "3", "matryoshka_dims": "5,3,2"],
            ["loss": "CoSENTLoss", "loss.scale": "5", "matryoshka_dims": "4,2", "matryoshka_weights": "1,3"],
            ["loss": "TripletLoss", "loss.triplet_margin": "1", "matryoshka_dims": "5,3"],
            ["loss": "TripletLoss", "loss.distance_metric": "cosine", "loss.triplet_margin": "0.5", "matryoshka_dims": "5,4,2"],
            ["loss": "BatchHardTripletLoss", "loss.margin": "0.5", "matryoshka_dims": "5,3"],
            ["loss": "SoftmaxLoss", "matryoshka_dims": "5,5", "matryoshka_weights": "1,0.25"],
            ["loss": "MSELoss", "matryoshka_dims": "5,3,1"],
        ]
        for settings in nested { list.append(Configuration(loss: "MatryoshkaLoss", settings: settings)) }
        return list
    }()

    /// A batch fitting the loss: 8 rows of dimension 5, three classes.
    static func batch(for loss: any EmbeddingLoss, input: Input, seed: UInt64) -> LossBatch<Double> {
        var random = SeededRandom(seed: seed)
        let rows = 8, dim = 5
        let spread: Double
        if case .spread(let factor) = input { spread = factor } else { spread = 1 }
        func matrix(_ cols: Int = dim) -> Matrix<Double> {
            Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in spread * random.normal() })
        }
        let spec = loss.inputSpec
        let threeColumns = loss.className.contains("MultipleNegatives") || loss.className.contains("GIST") || loss.className.contains("Orthogonal")
        var columnCount = max(spec.minColumns, threeColumns ? 3 : 0)
        if case .columns(let c) = input { columnCount = c }
        if case .teacherPerColumn(let c) = input { columnCount = c }
        if case .margins(let c) = input { columnCount = c }
        var batch = LossBatch(columns: (0..<columnCount).map { _ in matrix() })
        switch spec.labels {
        case .classes where input == .softLabels:
            // Unnormalised rows, one of them all zero.
            batch.softLabels = Matrix(rows: rows, cols: 3, values: (0..<(rows * 3)).map { $0 < 3 ? 0 : random.uniform(0, 1) })
        case .classes: batch.labels = (0..<rows).map { Double($0 % 3) }
        case .binary: batch.labels = (0..<rows).map { Double(($0 / 2) % 2) }
        case .scores: batch.labels = (0..<rows).map { _ in random.uniform(0, 1) }
        case .teacher:
            let width = loss.teacherWidth(dimension: dim)
            if case .teacherPerColumn(let c) = input {
                batch.columnTargets = (0..<c).map { _ in matrix(width) }
            } else {
                batch.targets = matrix(width)
            }
        case .teacherScores:
            var k = columnCount - 1
            if case .margins = input { k = columnCount - 2 }
            batch.teacherScores = Matrix(rows: rows, cols: k, values: (0..<(rows * k)).map { _ in 2 * random.normal() })
            if input == .excludedCandidate { batch.teacherScores![0, 1] = -.infinity }
        case .none: break
        }
        if spec.needsGuide {
            // A guide of another dimension that agrees with the model only roughly, so some candidates are masked.
            batch.guides = batch.columns.map { column in
                Matrix(rows: rows, cols: 3, values: (0..<(rows * 3)).map { column.values[$0 % column.values.count] + 0.5 * random.normal() })
            }
        }
        if let softmax = loss as? SoftmaxLoss {
            batch.parameters = softmax.initialParameters(dimension: dim, seed: seed)
            for key in batch.parameters.keys { batch.parameters[key]!.values = batch.parameters[key]!.values.map { $0 * 5 } }
        } else {
            batch.parameters = loss.initialWeights(dimension: dim, classes: 3, seed: seed)
        }
        return batch
    }

    @Test func everyLossOfTheCatalogIsChecked() {
        // The layer losses are checked through the encoder in LayerLossGradientTests.
        let checked = Set(Self.configurations.map(\.loss) + LossCatalog.all.filter { $0.inputSpec.needsLayers }.map { $0.className })
        #expect(Set(LossCatalog.names).subtracting(checked).isEmpty, "no gradient check for \(Set(LossCatalog.names).subtracting(checked).sorted())")
    }

    @Test(arguments: configurations)
    func analyticGradientMatchesFiniteDifferences(_ configuration: Configuration) throws {
        let loss = try LossCatalog.make(configuration.loss, settings: configuration.settings, reference: configuration.reference)
        for seed in UInt64(1)...3 {
            let batch = Self.batch(for: loss, input: configuration.input, seed: seed)
            let result = try loss.evaluate(batch)
            let h = 1e-6
            func value(_ b: LossBatch<Double>) throws -> Double { try loss.evaluate(b).value }
            for c in batch.columns.indices {
                for k in batch.columns[c].values.indices {
                    var plus = batch, minus = batch
                    plus.columns[c].values[k] += h
                    minus.columns[c].values[k] -= h
                    let numeric = (try value(plus) - value(minus)) / (2 * h)
                    let analytic = result.columnGradients[c].values[k]
                    #expect(abs(numeric - analytic) <= 1e-5 * max(1, abs(numeric)),
                            "\(configuration) seed \(seed): column \(c) element \(k): analytic \(analytic), numeric \(numeric)")
                }
            }
            for (name, parameter) in batch.parameters {
                for k in parameter.values.indices {
                    var plus = batch, minus = batch
                    plus.parameters[name]!.values[k] += h
                    minus.parameters[name]!.values[k] -= h
                    let numeric = (try value(plus) - value(minus)) / (2 * h)
                    let analytic = result.parameterGradients[name]!.values[k]
                    #expect(abs(numeric - analytic) <= 1e-5 * max(1, abs(numeric)),
                            "\(configuration) seed \(seed): \(name)[\(k)]: analytic \(analytic), numeric \(numeric)")
                }
            }
        }
    }
}
