import Foundation
@testable import LossKit
import Testing

/// What the losses hand the views when a batch asks (`LossBatch.explain`), against literal
/// brute-force versions: CoSENT/AnglE's inverted orderings, the MNRL family's per-direction
/// parts and hardness weights, GIST's masked candidates.
@Suite struct ExplainedBatchTests {
    static func matrix(_ rows: Int, _ cols: Int, _ random: inout SeededRandom) -> Matrix<Double> {
        Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in random.normal() })
    }

    static func cosine(_ a: Matrix<Double>, _ i: Int, _ b: Matrix<Double>, _ j: Int) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for k in 0..<a.cols { dot += a[i, k] * b[j, k]; na += a[i, k] * a[i, k]; nb += b[j, k] * b[j, k] }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    // MARK: - Inversions

    /// Every (k, j) with label_k > label_j and score_k ≤ score_j, by the definition.
    static func bruteInversions(labels: [Double], scores: [Double]) -> (count: Int, comparable: Int, worstGap: [Int: Double]) {
        var count = 0, comparable = 0
        var worst: [Int: Double] = [:]
        for k in labels.indices {
            for j in labels.indices where labels[k] > labels[j] {
                comparable += 1
                if scores[k] <= scores[j] {
                    count += 1
                    worst[k] = max(worst[k] ?? -.infinity, scores[j] - scores[k])
                }
            }
        }
        return (count, comparable, worst)
    }

    @Test(arguments: 0..<40)
    func inversionCountsEqualTheDefinitionWithTies(_ seed: Int) {
        var random = SeededRandom(seed: UInt64(seed) + 7)
        let n = 1 + seed % 23
        // Few distinct labels and scores, so that ties of both kinds are common.
        let labels = (0..<n).map { _ in Double(Int(random.uniform(0, 4))) / 4 }
        let scores = (0..<n).map { _ in seed % 2 == 0 ? Double(Int(random.uniform(0, 5))) / 5 : random.normal() }
        let ranking = LabelRanking<Double>(labels: labels, scores: scores)
        let found = ranking.inversions(scores: scores, limit: 100)
        let expected = Self.bruteInversions(labels: labels, scores: scores)
        #expect(found.count == expected.count)
        #expect(found.comparable == expected.comparable)
        // Each higher-labelled pair once, with its largest gap, largest first.
        #expect(Set(found.worst.map(\.above)) == Set(expected.worstGap.keys))
        for inversion in found.worst {
            #expect(labels[inversion.above] > labels[inversion.below] && scores[inversion.above] <= scores[inversion.below])
            #expect(scores[inversion.below] - scores[inversion.above] == expected.worstGap[inversion.above])
        }
        let gaps = found.worst.map { (inversion: Inversion) in scores[inversion.below] - scores[inversion.above] }
        #expect(gaps == gaps.sorted(by: >))
    }

    @Test func coSENTReportsItsInversionsOnlyWhenAsked() throws {
        var random = SeededRandom(seed: 3)
        let n = 9
        var batch = LossBatch(columns: [Self.matrix(n, 5, &random), Self.matrix(n, 5, &random)],
                              labels: (0..<n).map { Double($0 % 4) / 3 })
        let loss = CoSENTLoss()
        let plain = try loss.evaluate(batch)
        #expect(plain.mining.namedCounts.isEmpty && plain.mining.inversions.isEmpty)
        batch.explain = true
        let explained = try loss.evaluate(batch)
        #expect(explained.value == plain.value)
        #expect(explained.columnGradients.map(\.values) == plain.columnGradients.map(\.values))
        let similarities = (0..<n).map { Double(Float(Self.cosine(batch.columns[0], $0, batch.columns[1], $0))) }
        let expected = Self.bruteInversions(labels: batch.labels, scores: explained.mining.tuples.map(\.positiveScore))
        #expect(explained.mining.namedCounts == [NamedCount("inversions", Double(expected.count)), NamedCount("comparable_pairs", Double(expected.comparable))])
        #expect(expected.comparable == 9 * 8 / 2 - (3 * 2 / 2) * 1 - 3 * (2 * 1 / 2))
        for (got, want) in zip(explained.mining.tuples.map(\.positiveScore), similarities) { #expect(abs(got - want) < 1e-6) }
    }

    @Test func anglEInvertsOverEveryCandidateColumn() throws {
        var random = SeededRandom(seed: 5)
        let n = 6
        var batch = LossBatch(columns: (0..<3).map { _ in Self.matrix(n, 4, &random) }, labels: (0..<n).map { Double($0) / 5 })
        batch.explain = true
        let result = try AnglELoss().evaluate(batch)
        let labels = result.mining.tuples.map { $0.label! }
        #expect(labels.count == 2 * n)
        let expected = Self.bruteInversions(labels: labels, scores: result.mining.tuples.map(\.positiveScore))
        #expect(result.mining.namedCounts.first { $0.name == "inversions" }?.value == Double(expected.count))
        #expect(result.mining.inversions.count == min(expected.worstGap.count, MiningReport.inversionLimit))
    }

    // MARK: - MNRL family

    /// Joint softmax over every enabled block, per row, in Double: the loss and each
    /// direction's part (the row loss split by the blocks' non-target mass).
    static func bruteParts(q: Matrix<Double>, docs: [Matrix<Double>], scale: Double) -> (value: Double, parts: [Double]) {
        let b = q.rows
        let d = Matrix.vstack(docs)
        var parts = [Double](repeating: 0, count: 4), value = 0.0
        for i in 0..<b {
            var blocks: [[Double]] = [[], [], [], []]
            for j in 0..<d.rows { blocks[0].append(scale * cosine(q, i, d, j)) }
            for j in 0..<b where j != i { blocks[1].append(scale * cosine(q, i, q, j)) }
            for j in 0..<b { blocks[2].append(scale * cosine(q, j, d, i)) }
            for j in 0..<d.rows where j % b != i { blocks[3].append(scale * cosine(d, j, d, i)) }
            let positive = blocks[0][i]
            var masses = blocks.map { $0.reduce(0) { $0 + exp($1 - positive) } }
            masses[0] -= 1
            let rowLoss = log(1 + masses.reduce(0, +))
            value += rowLoss / Double(b)
            for k in 0..<4 { parts[k] += rowLoss / Double(b) * masses[k] / masses.reduce(0, +) }
        }
        return (value, parts)
    }

    @Test func jointDirectionsSplitTheValueByTheirMass() throws {
        var random = SeededRandom(seed: 11)
        let b = 5
        var batch = LossBatch(columns: (0..<3).map { _ in Self.matrix(b, 4, &random) })
        batch.explain = true
        let settings = ["directions": "query_to_doc,query_to_query,doc_to_query,doc_to_doc", "scale": "3"]
        let result = try MultipleNegativesRankingLoss(settings: settings).evaluate(batch)
        let expected = Self.bruteParts(q: batch.columns[0], docs: Array(batch.columns.dropFirst()), scale: 3)
        #expect(abs(result.value - expected.value) < 1e-12)
        #expect(result.mining.parts.map(\.name) == ["query_to_doc", "query_to_query", "doc_to_query", "doc_to_doc"])
        for (got, want) in zip(result.mining.parts.map(\.value), expected.parts) { #expect(abs(got - want) < 1e-12, "\(got) vs \(want)") }
        // The cached loss splits the same way over mini-batches.
        for size in [1, 2, 4] {
            let cached = try CachedMultipleNegativesRankingLoss(settings: settings.merging(["mini_batch_size": "\(size)"]) { $1 }).evaluate(batch)
            for (got, want) in zip(cached.mining.parts.map(\.value), expected.parts) { #expect(abs(got - want) < 1e-12) }
        }
        // Without a view asking, no parts (and the same numbers).
        batch.explain = false
        let plain = try MultipleNegativesRankingLoss(settings: settings).evaluate(batch)
        #expect(plain.mining.parts.isEmpty && plain.value == result.value)
    }

    @Test func theSymmetricLossesPartsAreEachDirectionsOwnMean() throws {
        var random = SeededRandom(seed: 13)
        let b = 7
        var batch = LossBatch(columns: [Self.matrix(b, 4, &random), Self.matrix(b, 4, &random)])
        batch.explain = true
        let result = try MultipleNegativesSymmetricRankingLoss(settings: [:]).evaluate(batch)
        let forward = try MultipleNegativesRankingLoss(settings: [:]).evaluate(batch).value
        let backward = try MultipleNegativesRankingLoss(settings: [:]).evaluate(LossBatch(columns: [batch.columns[1], batch.columns[0]])).value
        #expect(result.mining.parts.map(\.name) == ["query_to_doc", "doc_to_query"])
        #expect(abs(result.mining.parts[0].value - forward / 2) < 1e-12)
        #expect(abs(result.mining.parts[1].value - backward / 2) < 1e-12)
        #expect(abs(result.mining.parts.reduce(0) { $0 + $1.value } - result.value) < 1e-12)
    }

    @Test(arguments: ["in_batch_negatives", "hard_negatives", "all_negatives"])
    func hardnessWeightsAreThePenaltyAndTheSoftmaxItGives(_ mode: String) throws {
        var random = SeededRandom(seed: 17)
        let b = 4, strength = 2.5, scale = 6.0
        var batch = LossBatch(columns: (0..<3).map { _ in Self.matrix(b, 5, &random) })
        batch.explain = true
        let loss = try MultipleNegativesRankingLoss(settings: ["hardness_mode": mode, "hardness_strength": "\(strength)", "scale": "\(scale)"])
        let result = try loss.evaluate(batch)
        let weights = try #require(result.mining.weights)
        let d = Matrix.vstack([batch.columns[1], batch.columns[2]])
        #expect(result.mining.scoreColumns == 2 * b && weights.factors.count == b * 2 * b)
        for i in 0..<b {
            func penalised(_ j: Int) -> Bool {
                switch mode {
                case "in_batch_negatives": return j % b != i
                case "hard_negatives": return j >= b && j % b == i
                default: return j != i
                }
            }
            let sims = (0..<(2 * b)).map { Self.cosine(batch.columns[0], i, d, $0) }
            let factors = sims.indices.map { penalised($0) ? exp(strength * sims[$0]) : 1 }
            let logits = sims.indices.map { scale * sims[$0] + log(factors[$0]) }
            let total = logits.reduce(0) { $0 + exp($1) }
            for j in 0..<(2 * b) {
                #expect(abs(weights.factors[i * 2 * b + j] - factors[j]) < 1e-9 * factors[j])
                #expect(abs(weights.probabilities[i * 2 * b + j] - exp(logits[j]) / total) < 1e-12)
            }
            let tuple = result.mining.tuples[i]
            let rival = try #require(tuple.negative)
            if penalised(rival) {
                #expect(abs((tuple.negativeWeight ?? 0) - factors[rival]) < 1e-9 * factors[rival])
            } else {
                #expect(tuple.negativeWeight == nil)
            }
        }
        batch.explain = false
        #expect(try loss.evaluate(batch).mining.weights == nil)
    }

    // MARK: - GIST

    @Test(arguments: 0..<6)
    func gistMasksExactlyWhatTheRuleSays(_ seed: Int) throws {
        var random = SeededRandom(seed: UInt64(seed) + 21)
        let b = 6
        var batch = LossBatch(columns: (0..<3).map { _ in Self.matrix(b, 5, &random) })
        batch.guides = batch.columns.map { column in
            Matrix(rows: b, cols: 3, values: (0..<(b * 3)).map { column.values[$0] + 0.5 * random.normal() })
        }
        batch.explain = true
        let relative = seed % 2 == 1
        let margin = [0.0, 0.1, -0.2][seed % 3]
        let settings = ["margin_strategy": relative ? "relative" : "absolute", "margin": "\(margin)"]
        let result = try GISTEmbedLoss(settings: settings).evaluate(batch)
        // (anchor, from, column, row) by the rule, self-comparisons left out.
        var expected: [[Int]] = []
        var unopposed: [Int] = []
        let g = batch.guides
        for i in 0..<b {
            let positive = Self.cosine(g[0], i, g[1], i)
            let threshold = relative ? positive - abs(positive) * margin : positive - margin
            var kept = 0
            for (from, column) in [(0, 1), (0, 0), (1, 1), (0, 2)] {
                for j in 0..<b where !(from == 0 && column == 1 && j == i) {
                    if Self.cosine(g[from], i, g[column], j) > threshold {
                        if !(from == column && j == i) { expected.append([i, from, column, j]) }
                    } else {
                        kept += 1
                    }
                }
            }
            if kept == 0 { unopposed.append(i) }
        }
        let got = result.mining.masked.map { [$0.anchor, $0.from, $0.column, $0.row] }
        #expect(Set(got) == Set(expected) && got.count == expected.count)
        #expect(result.mining.namedCounts == [NamedCount("masked", Double(expected.count))])
        #expect(result.mining.unopposed == unopposed)
        for candidate in result.mining.masked {
            #expect(candidate.guideScore > candidate.threshold)
            #expect(abs(candidate.score - Self.cosine(batch.columns[candidate.from], candidate.anchor, batch.columns[candidate.column], candidate.row)) < 1e-12)
            #expect(abs(candidate.positiveGuideScore - Self.cosine(g[0], candidate.anchor, g[1], candidate.anchor)) < 1e-12)
        }
        // The cached loss masks the same candidates.
        let cached = try CachedGISTEmbedLoss(settings: settings.merging(["mini_batch_size": "4"]) { $1 }).evaluate(batch)
        #expect(cached.mining.masked == result.mining.masked && cached.mining.unopposed == result.mining.unopposed)
    }

    @Test func anAnchorWhosePositiveTheGuideRatesLowestKeepsNothing() throws {
        // Guide: anchor 0's positive points away from everything, so every candidate beats it.
        let b = 3
        let columns = [Matrix<Double>(rows: b, cols: 2, values: [1, 2, 3, 1, 2, 5]), Matrix<Double>(rows: b, cols: 2, values: [4, 1, 2, 2, 1, 3])]
        var batch = LossBatch(columns: columns)
        batch.guides = [Matrix(rows: b, cols: 2, values: [1, 0, 1, 0.2, 0.9, 0.1]),
                        Matrix(rows: b, cols: 2, values: [-1, 0, 1, 0.1, 1, 0.3])]
        batch.explain = true
        let result = try GISTEmbedLoss(settings: [:]).evaluate(batch)
        #expect(result.mining.unopposed == [0])
        #expect(result.mining.tuples[0].loss == 0)
        // Its in-batch positives (2), the other anchors (2) and the other positives (2) compared with p_0.
        #expect(result.mining.masked.filter { $0.anchor == 0 }.count == 6)
    }
}
