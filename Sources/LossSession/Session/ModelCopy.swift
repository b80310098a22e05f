import LossKit

/// The contrastive-tension losses' model 1: a copy of the encoder made when the loss is set
/// (6.2.0 deep-copies the model in the loss's constructor), trained beside the model, which is
/// model 2, the one kept. Its parameters live among the loss's own weights as
/// "model1.<encoder parameter>", so the optimizer, checkpoints and rewind carry it as they
/// carry a classifier.
enum ModelCopy {
    static let prefix = "model1."

    /// A fresh copy of `encoder`'s parameters for a loss that embeds column 0 with one.
    static func initialWeights(for loss: any EmbeddingLoss, encoder: Encoder<Float>) -> [String: Matrix<Float>] {
        guard loss.inputSpec.embedsColumnZeroWithModelCopy else { return [:] }
        return Dictionary(uniqueKeysWithValues: encoder.parameters.map { (prefix + $0.key, $0.value) })
    }

    /// Model 1: the model's encoder with the copy's parameters; nil for other losses.
    static func encoder(of model: Session.Model) -> Encoder<Float>? {
        let copied = model.lossParameters.filter { $0.key.hasPrefix(prefix) }
        guard !copied.isEmpty else { return nil }
        var copy = model.encoder
        copy.parameters = Dictionary(uniqueKeysWithValues: copied.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        return copy
    }

    /// The items each column embeds: under 6.2.0 the in-batch loss gives both models column 0's.
    static func items(_ spec: LossInputSpec, _ items: [[Int]], reference: LossReference) -> [[Int]] {
        guard spec.feedsColumnZeroToBothModels && reference >= .v6_2_0 else { return items }
        return items.map { _ in items[0] }
    }

    /// The batch's columns as the loss sees them: column 0 by model 1 when there is one.
    static func columns(_ embeddings: [Matrix<Float>], model: Session.Model, items: [[Int]]) -> (columns: [Matrix<Float>], pass: EncoderPass<Float>?) {
        guard let copy = encoder(of: model) else { return (embeddings, nil) }
        let pass = copy.forward(items: items[0])
        return ([pass.embeddings] + embeddings.dropFirst(), pass)
    }

    /// Model 1's gradients under the loss's weight names.
    static func gradients(_ model: Session.Model, pass: EncoderPass<Float>, _ dColumn: Matrix<Float>) -> [String: Matrix<Float>] {
        guard let copy = encoder(of: model) else { return [:] }
        return Dictionary(uniqueKeysWithValues: copy.backward(pass, dColumn).map { (prefix + $0.key, $0.value) })
    }
}
