import Foundation
import LossData
import LossKit

/// One `losslab eval` call: a loss, its hyperparameters and the arrays to feed it.
public struct EvalRequest: Sendable {
    /// The sentence-transformers class name.
    public var lossName: String
    /// Hyperparameters by their sentence-transformers names, as typed.
    public var settings: [String: String]
    /// The sentence_features columns, in the reference's order.
    public var embeddings: [NumpyArray]
    /// Class ids, 1/0, float scores (1-D) or a teacher matrix (2-D).
    public var labels: NumpyArray?
    /// Parameters owned by the loss, by PyTorch name (SoftmaxLoss's classifier.weight/.bias).
    public var weights: [String: NumpyArray]
    /// A guide model's embeddings, one per column (GISTEmbedLoss).
    public var guides: [NumpyArray]
    /// Seeds a loss's own weights when it gets none.
    public var seed: UInt64
    /// The sentence-transformers release whose behaviour to compute.
    public var reference: LossReference = .latest

    public init(lossName: String, settings: [String: String] = [:], embeddings: [NumpyArray],
                labels: NumpyArray? = nil, weights: [String: NumpyArray] = [:], guides: [NumpyArray] = [], seed: UInt64 = 0) {
        self.lossName = lossName
        self.settings = settings
        self.embeddings = embeddings
        self.labels = labels
        self.weights = weights
        self.guides = guides
        self.seed = seed
    }

    /// Repeated `name=value` options (`--set`, `--weight`) by name. A name given twice is an
    /// error: which of the two values was meant cannot be known.
    public static func assignments(_ texts: [String], what: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for text in texts {
            let (name, value) = try splitAssignment(text, what: what)
            if let earlier = values[name] {
                throw LossError("\(what) \(name) is given twice (\(name)=\(earlier) and \(name)=\(value)); give each name once")
            }
            values[name] = value
        }
        return values
    }

    /// Parses "name=value" into a pair; the value may itself contain '='.
    public static func splitAssignment(_ text: String, what: String) throws -> (String, String) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw LossError("\(what) must look like name=value, got '\(text)'")
        }
        let name = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        return (name, String(text[text.index(after: equals)...]))
    }
}
