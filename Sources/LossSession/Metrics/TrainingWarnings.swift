import Foundation
import LossData
import LossKit

/// Problems a step shows evidence of, in words a user can act on: a batch that cannot
/// produce gradient, false negatives from duplicates, a margin the metric can never satisfy,
/// collapse, and a learning rate that makes the gradient explode.
public enum TrainingWarnings {
    static func check(loss: any EmbeddingLoss, mining: TupleKind, dataset: Dataset, batch: [Int], items: [[Int]],
                      embeddings: Matrix<Float>, history: [StepRecord]) -> [String] {
        var warnings: [String] = []
        guard let record = history.last else { return warnings }
        if dataset.shape == .labelledItems && !dataset.labels.isEmpty {
            let classes = Set(batch.map { dataset.labels[$0] })
            if classes.count == 1 {
                warnings.append("single-class batch: every row has class \(Int(classes.first!)), so there are no negatives and the gradient is \(record.gradientNorm == 0 ? "zero" : "degenerate") (use sampler=pk)")
            } else if classes.count == batch.count {
                warnings.append("no positives: all \(batch.count) rows of the batch have different classes, so no anchor has a positive (use sampler=pk)")
            }
        }
        let flat = items.flatMap { $0 }
        var seen = Set<Int>(), repeated = Set<Int>()
        var identical = 0
        // Duplicates matter only to a loss that takes the batch's other rows as negatives.
        if type(of: loss).usesInBatchNegatives {
            for item in flat where !seen.insert(item).inserted { repeated.insert(item) }
            if embeddings.rows <= 4096 {
                var rows = Set<[Float]>()
                for r in 0..<embeddings.rows where !rows.insert(Array(embeddings.row(r))).inserted { identical += 1 }
            }
        }
        if type(of: loss).usesInBatchNegatives && (!repeated.isEmpty || identical > flat.count - seen.count) {
            let extra = max(identical - (flat.count - seen.count), 0)
            warnings.append("in-batch duplicates: \(repeated.count) items repeat\(extra > 0 ? " and \(extra) rows are identical copies" : ""); each copy is a false negative for the other's anchor (use sampler=no-duplicates)")
        }
        if mining == .ranking && items.dropFirst().reduce(0, { $0 + $1.count }) == 1 {
            warnings.append(String(format: "batch of one: the anchor's only candidate is its own positive, so %@ is 0 by construction (loss %.3g, |grad| %.3g); use batch_size ≥ 2 or add hard negatives",
                                   loss.className, record.loss, record.gradientNorm))
        }
        // The triplet losses over a distance (a margin between d(a,p) and d(a,n)).
        let margin = mining == .triplet && loss.value(of: .metric) != nil ? loss.number(of: .margin) : nil
        if let margin, loss.value(of: .metric) == "cosine", margin >= 2 {
            warnings.append("margin \(margin) with cosine distance: distances lie in 0..2, so d(a,n) - d(a,p) never reaches the margin and the loss never reaches 0")
        }
        if let margin, margin > 0, record.health.meanCosine > 0.99, record.loss >= 0.9 * margin {
            warnings.append(String(format: "collapse: the embeddings point the same way (mean cosine %.3f) while the loss sits at the margin (%.3g of %.3g)",
                                   record.health.meanCosine, record.loss, margin))
        }
        if history.count >= 10 {
            let earlier = history[history.count - 10].gradientNorm
            if earlier > 0 && record.gradientNorm > 50 * earlier {
                warnings.append(String(format: "the gradient norm grew %.0fx in 10 steps (%.3g → %.3g): the learning rate may be too high",
                                       record.gradientNorm / earlier, earlier, record.gradientNorm))
            }
        }
        return warnings
    }
}
