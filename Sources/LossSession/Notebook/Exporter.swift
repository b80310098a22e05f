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
            let table = metricsTable(session)
            try DatasetWriter.writeCSV(header: table.header, rows: table.rows, to: target)
            return "wrote \(session.history.count) steps to \(target)"
        case "embeddings", "embeddings.npy":
            let target = path ?? session.workingDirectory + "/embeddings.npy"
            let embeddings = try session.embeddings()
            try DatasetWriter.writeEmbeddings(embeddings, to: target)
            return "wrote \(embeddings.rows)x\(embeddings.cols) embeddings to \(target)"
        case "projector":
            let prefix = path ?? session.workingDirectory + "/projector"
            let embeddings = try session.embeddings()
            try DatasetWriter.writeProjector(vectors: embeddings, metadata: projectorMetadata(session), header: ["label", "text"],
                                             vectorsPath: prefix + ".vectors.tsv", metadataPath: prefix + ".metadata.tsv")
            return "wrote \(prefix).vectors.tsv and \(prefix).metadata.tsv (load both at projector.tensorflow.org)"
        case "st-snippet", "snippet":
            let target = path ?? session.workingDirectory + "/train_st.py"
            try AtomicFile.write(Data(SentenceTransformersSnippet.make(session).utf8), to: target)
            return "wrote the sentence-transformers training code to \(target)"
        default:
            throw CommandError("export takes metrics.csv, embeddings.npy, projector PREFIX or st-snippet PATH, got '\(what)'")
        }
    }

    /// One row per step: the step's metrics, the gradient norm of each parameter, and the
    /// held-out metrics in the row of the step they were taken at.
    static func metricsTable(_ session: Session) -> (header: [String], rows: [[String]]) {
        let stepNames = session.history.first?.metrics.map(\.0) ?? StepRecord.emptyNames
        let groups = session.history.first?.groupNorms.keys.sorted() ?? []
        var evalNames: [String] = []
        for record in session.evaluations { for metric in record.metrics where !evalNames.contains(metric.name) { evalNames.append(metric.name) } }
        let evaluations = Dictionary(session.evaluations.map { ($0.step, $0) }, uniquingKeysWith: { $1 })
        let rows = session.history.map { record -> [String] in
            let evaluation = evaluations[record.step]
            return record.metrics.map { format($0.1) } + groups.map { record.groupNorms[$0].map(format) ?? "" }
                + evalNames.map { name in evaluation?.value(name).map(format) ?? "" }
        }
        return (stepNames + groups.map { "grad_norm." + $0 } + evalNames.map { "heldout_" + $0 }, rows)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// label and text per item, for the projector's metadata file.
    static func projectorMetadata(_ session: Session) -> [[String]] {
        guard let dataset = session.dataset else { return [] }
        var classes = dataset.itemClasses
        if classes == nil && dataset.shape == .labelledItems {
            var derived = [Int](repeating: -1, count: dataset.itemCount)
            for (index, example) in dataset.examples.enumerated() { derived[example[0]] = Int(dataset.labels[index]) }
            classes = derived
        }
        return (0..<dataset.itemCount).map { item in
            let label = classes.map { $0[item] }.map { $0 >= 0 && $0 < dataset.labelNames.count ? dataset.labelNames[$0] : "\($0)" } ?? ""
            return [label, dataset.texts?[item] ?? "item \(item)"]
        }
    }
}

extension StepRecord {
    static let emptyNames = ["step", "loss", "grad_norm", "lr"]
}
