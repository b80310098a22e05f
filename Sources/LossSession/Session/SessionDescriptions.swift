import LossData
import LossKit

/// Lines about the session for cells, `show` and the status bar.
extension Session {
    public func describe(_ dataset: Dataset) -> String {
        let dimension = dataset.dimension.map { "\($0)-d vectors" } ?? "sentences"
        var teacher = ""
        if let scores = dataset.teacherScores { teacher = "; teacher scores, \(scores.cols) per example" }
        else if let embeddings = dataset.teacher { teacher = "; teacher \(embeddings.cols)-d" }
        return "\(dataset.name): \(dataset.shape.rawValue), \(dataset.exampleCount) examples over \(dataset.itemCount) items (\(dimension))\(teacher)"
    }

    /// One short line for the status bar: name, shape, N and D.
    public func summarize(_ dataset: Dataset) -> String {
        "\(dataset.name) · \(dataset.shape.rawValue) · N=\(dataset.exampleCount)" + (dataset.dimension.map { " D=\($0)" } ?? " text")
    }

    /// Why training stopped, when it diverged.
    public var divergedReason: String? {
        if case .diverged(let reason) = state { return reason }
        return nil
    }

    public func describeLoss() -> String { loss.line }
}
