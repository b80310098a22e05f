import Foundation
import LossData
import LossKit

/// `export WHAT [PATH]`: metrics as CSV, embeddings as .npy, a projector TSV pair, or the
/// sentence-transformers code that trains the same loss.
enum Exporter {
    static func export(_ what: String, path: String?, session: Session) throws -> String {
        let lowered = what.lowercased()
        switch lowered {
        case "metrics", "metrics.csv":
            let target = path ?? session.workingDirectory + "/metrics.csv"
            try AtomicFile.write(Data(metricsCSV(session).utf8), to: target)
            return "wrote \(session.history.count) steps to \(target)"
        case "embeddings", "embeddings.npy":
            let target = path ?? session.workingDirectory + "/embeddings.npy"
            let embeddings = try session.embeddings()
            try NumpyFile.write(embeddings, to: target)
            return "wrote \(embeddings.rows)x\(embeddings.cols) embeddings to \(target)"
        case "projector":
            let prefix = path ?? session.workingDirectory + "/projector"
            let embeddings = try session.embeddings()
            let vectors = (0..<embeddings.rows).map { r in embeddings.row(r).map { "\($0)" }.joined(separator: "\t") }.joined(separator: "\n") + "\n"
            try AtomicFile.write(Data(vectors.utf8), to: prefix + ".vectors.tsv")
            try AtomicFile.write(Data(projectorMetadata(session).utf8), to: prefix + ".metadata.tsv")
            return "wrote \(prefix).vectors.tsv and \(prefix).metadata.tsv (load both at projector.tensorflow.org)"
        case "st-snippet", "snippet":
            let target = path ?? session.workingDirectory + "/train_st.py"
            try AtomicFile.write(Data(SentenceTransformersSnippet.make(session).utf8), to: target)
            return "wrote the sentence-transformers training code to \(target)"
        default:
            throw CommandError("export takes metrics.csv, embeddings.npy, projector PREFIX or st-snippet PATH, got '\(what)'")
        }
    }

    /// One row per step; held-out metrics in the row of the step they were taken at.
    static func metricsCSV(_ session: Session) -> String {
        let stepNames = session.history.first?.metrics.map(\.0) ?? StepRecord.emptyNames
        var evalNames: [String] = []
        for record in session.evaluations { for metric in record.metrics where !evalNames.contains(metric.name) { evalNames.append(metric.name) } }
        var lines = [(stepNames + evalNames.map { "heldout_" + $0 }).joined(separator: ",")]
        let evaluations = Dictionary(session.evaluations.map { ($0.step, $0) }, uniquingKeysWith: { $1 })
        for record in session.history {
            var fields = record.metrics.map { format($0.1) }
            let evaluation = evaluations[record.step]
            fields += evalNames.map { name in evaluation?.value(name).map(format) ?? "" }
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    static func projectorMetadata(_ session: Session) -> String {
        guard let dataset = session.dataset else { return "" }
        var classes = dataset.itemClasses
        if classes == nil && dataset.shape == .labelledItems {
            var derived = [Int](repeating: -1, count: dataset.itemCount)
            for (index, example) in dataset.examples.enumerated() { derived[example[0]] = Int(dataset.labels[index]) }
            classes = derived
        }
        var lines = ["label\ttext"]
        for item in 0..<dataset.itemCount {
            let label = classes.map { $0[item] }.map { $0 >= 0 && $0 < dataset.labelNames.count ? dataset.labelNames[$0] : "\($0)" } ?? ""
            let text = (dataset.texts?[item] ?? "item \(item)").replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
            lines.append("\(label)\t\(text)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension StepRecord {
    static let emptyNames = ["step", "loss", "grad_norm", "lr"]
}
