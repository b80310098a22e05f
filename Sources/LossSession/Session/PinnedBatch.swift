import LossData
import LossKit

/// A frozen batch for what-if questions: the same rows, embedded by the current model, scored
/// by any loss without a step, so a change of loss, margin, scale or metric shows its effect
/// at once ("12 triplets moved from hard to semi-hard").
public struct PinnedBatch: Sendable {
    public var examples: [Int]
    public var items: [[Int]]

    /// The loss on this batch now: value, gradient norm and what it mined.
    public struct Reading: Sendable {
        public var value: Double
        public var gradientNorm: Double
        public var mining: MiningReport
    }

    func read(_ loss: LossSum, dataset: Dataset, model: Session.Model) throws -> Reading {
        let pass = model.encoder.forward(items: items.flatMap { $0 })
        var batch = LossBatch(columns: ModelCopy.columns(pass.embeddings.splitRows(items.map(\.count)), model: model, items: items).columns,
                              labels: dataset.labels.isEmpty ? [] : examples.map { dataset.labels[$0] }, parameters: model.lossParameters,
                              guides: GuideColumns.make(loss, dataset, model, items: items))
        TeacherColumns.apply(loss, dataset, examples: examples, items: items, to: &batch)
        batch.layers = pass.layerEmbeddings.map { $0.splitRows(items.map(\.count)) }
        if !Set(loss.weightNames).isSubset(of: model.lossParameters.keys) {
            // Switching to a loss with weights of its own: read it with fresh ones.
            batch.parameters = loss.initialWeights(dimension: model.encoder.outputDimension, classes: Session.classCount(dataset), seed: 1)
        }
        let result = try loss.evaluate(batch).total
        let norm = (result.columnGradients.map { $0.norm * $0.norm }.reduce(0, +)).squareRoot()
        return Reading(value: Double(result.value), gradientNorm: norm, mining: result.mining)
    }

    /// "loss 0.83 → 0.41, |grad| ..., and how tuples moved between hard, semi-hard and easy".
    static func difference(from old: Reading, to new: Reading) -> String {
        var parts = [String(format: "pinned batch: loss %.4g → %.4g, |grad| %.3g → %.3g, active %d/%d → %d/%d", old.value, new.value,
                            old.gradientNorm, new.gradientNorm, old.mining.counts.active, old.mining.counts.used,
                            new.mining.counts.active, new.mining.counts.used)]
        if old.mining.kind == .triplet && new.mining.kind == .triplet {
            let c0 = old.mining.counts, c1 = new.mining.counts
            parts.append("census hard \(c0.hard) → \(c1.hard), semi-hard \(c0.semiHard) → \(c1.semiHard), easy \(c0.easy) → \(c1.easy)")
            struct Key: Hashable { var a: Int; var p: Int; var n: Int? }
            var before: [Key: Hardness] = [:]
            for t in old.mining.tuples { if let h = t.hardness { before[Key(a: t.anchor, p: t.positive, n: t.negative)] = h } }
            var moves: [String: Int] = [:]
            var changedNegative = 0
            for t in new.mining.tuples {
                guard let h = t.hardness else { continue }
                if let previous = before[Key(a: t.anchor, p: t.positive, n: t.negative)] {
                    if previous != h { moves["\(previous.rawValue) to \(h.rawValue)", default: 0] += 1 }
                } else {
                    changedNegative += 1
                }
            }
            let moved = moves.sorted { $0.value > $1.value }.map { "\($0.value) mined triplets moved from \($0.key)" }
            if !moved.isEmpty { parts.append(moved.joined(separator: ", ")) }
            if changedNegative > 0 { parts.append("\(changedNegative) mined triplets changed partner") }
        }
        return parts.joined(separator: "; ")
    }
}
