import LossData
import LossKit

/// The guide embeddings a guided loss (GISTEmbedLoss) gets beside a batch's columns: the
/// dataset's loaded guide (`load ... guide=FILE`) gathered by item, or else the frozen encoder
/// the model started from, as when the guide is the model being fine-tuned from.
enum GuideColumns {
    static func make(_ loss: any EmbeddingLoss, _ dataset: Dataset, _ model: Session.Model, items: [[Int]]) -> [Matrix<Float>] {
        make(LossSum(loss), dataset, model, items: items)
    }

    /// A sum gets guides when any of its terms needs them.
    static func make(_ loss: LossSum, _ dataset: Dataset, _ model: Session.Model, items: [[Int]]) -> [Matrix<Float>] {
        guard loss.inputSpec.needsGuide else { return [] }
        if let guide = dataset.guide { return items.map { guide.gatherRows($0) } }
        guard let encoder = model.startingEncoder else { return [] }
        return encoder.forward(items: items.flatMap { $0 }).embeddings.splitRows(items.map(\.count))
    }
}
