import LossData
import LossKit

extension Session {
    /// Every loss a session trains: the engine's catalog, and DenoisingAutoEncoderLoss.
    public static let losses: [any EmbeddingLoss.Type] = LossCatalog.all + [DenoisingLossChoice.self]

    /// Why a loss cannot train on this dataset, or nil when it can.
    public static func mismatch(_ dataset: Dataset, _ loss: any EmbeddingLoss.Type) -> String? {
        if loss.inputSpec.needsText {
            if case .tokens = dataset.items { return nil }
            return "\(loss.className) needs sentences (text data); \(dataset.name) holds vectors"
        }
        let shape = dataset.shape
        if shape.fits(loss.inputSpec) { return nil }
        let needs = DatasetShape.allCases.filter { $0.fits(loss.inputSpec) }.map(\.rawValue)
        let fitting = losses.filter { !$0.inputSpec.needsText && shape.fits($0.inputSpec) }.map { $0.className }
        return "\(loss.className) needs \((needs.isEmpty ? ["a shape LossLab does not have"] : needs).joined(separator: " or ")) data; "
            + "this dataset is \(shape.rawValue) (fits \(fitting.joined(separator: ", ")))"
    }
}
