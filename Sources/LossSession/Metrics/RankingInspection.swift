import Foundation
import LossKit

/// MultipleNegativesRankingLoss seen from one anchor: the softmax over its in-batch candidates
/// at a given scale, where the positive ranks, the entropy, and the lowest loss the scale
/// allows. Computed from the similarities the last step kept (small batches only).
public struct RankingInspection: Sendable {
    public struct Candidate: Sendable {
        public var item: Int
        public var role: String
        public var similarity: Double
        public var probability: Double
    }

    public var anchorItem: Int
    public var scale: Double
    public var candidateCount: Int
    public var rank: Int
    public var positiveProbability: Double
    public var loss: Double
    public var entropy: Double
    /// With cos_sim: log(1 + (M-1)·e^(-2·scale)), positive at +1 and negatives at -1; nil for dot_score.
    public var floor: Double?
    /// Every candidate, most probable first.
    public var candidates: [Candidate]

    public init?(batch: BatchOutcome, anchor: Int, scale: Double, cosine: Bool) {
        guard let scores = batch.mining.scores, batch.mining.scoreColumns > 0 else { return nil }
        let columns = batch.mining.scoreColumns
        guard anchor >= 0, (anchor + 1) * columns <= scores.count else { return nil }
        let similarities = Array(scores[(anchor * columns)..<((anchor + 1) * columns)])
        let logits = similarities.map { $0 * scale }
        let top = logits.max() ?? 0
        let exps = logits.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        let probabilities = exps.map { $0 / total }
        let n = max(batch.items.first?.count ?? 1, 1)
        func item(_ index: Int) -> Int {
            let column = 1 + index / n
            return column < batch.items.count && index % n < batch.items[column].count ? batch.items[column][index % n] : index
        }
        anchorItem = batch.items.first.map { anchor < $0.count ? $0[anchor] : anchor } ?? anchor
        self.scale = scale
        candidateCount = columns
        rank = 1 + logits.indices.filter { $0 != anchor && logits[$0] > logits[anchor] }.count
        positiveProbability = probabilities[anchor]
        loss = -Foundation.log(max(probabilities[anchor], 1e-300))
        entropy = -probabilities.reduce(0) { $0 + ($1 > 0 ? $1 * Foundation.log($1) : 0) }
        floor = cosine ? Foundation.log1p(Double(columns - 1) * Foundation.exp(-2 * scale)) : nil
        candidates = logits.indices.sorted { logits[$0] > logits[$1] }.map { index in
            Candidate(item: item(index), role: index == anchor ? "positive" : (index >= n ? "hard neg" : "in-batch"),
                      similarity: similarities[index], probability: probabilities[index])
        }
    }

    /// The report as lines of text.
    public func lines(limit: Int = 10) -> [String] {
        var lines = [
            String(format: "anchor item %d · scale %.4g · %d candidates", anchorItem, scale, candidateCount),
            String(format: "positive ranks %d · p(positive) %.3f · loss %.4f · entropy %.3f (uniform %.3f)", rank, positiveProbability,
                   loss, entropy, Foundation.log(Double(candidateCount))),
            floor.map { String(format: "loss floor at this scale: %.4g (positive at cos 1, negatives at -1)", $0) }
                ?? "dot_score has no floor: scores grow with the vectors' norms",
            "  rank  candidate           sim        p",
        ]
        for (place, candidate) in candidates.prefix(limit).enumerated() {
            let bar = String(repeating: "█", count: Int((candidate.probability * 20).rounded()))
            lines.append(String(format: "  %4d  %5d %-9@ %7.3f  %6.3f %@", place + 1, candidate.item, candidate.role, candidate.similarity,
                                candidate.probability, bar))
        }
        return lines
    }
}
