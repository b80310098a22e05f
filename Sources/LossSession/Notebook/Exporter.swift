import Foundation
import LossData
import LossKit

/// `export WHAT [PATH]`: metrics as CSV, embeddings as .npy, a projector TSV pair, or the
/// sentence-transformers code that trains the same loss.
public enum Exporter {
    /// An export ready to be written: its files and the line that reports it.
    public struct Export {
        public var files: [PendingFile]
        public var report: String
    }

    static func export(_ what: String, path: String?, session: Session, directory: String? = nil) throws -> String {
        let export = try prepare(what, path: path, session: session, directory: directory)
        try SafeWriter.write(export.files)
        return export.report
    }

    /// The files of `export WHAT [PATH]`, unwritten, so several exports can be written as one set.
    /// Without a path, each lands in `directory` (the session's working directory by default).
    public static func prepare(_ what: String, path: String?, session: Session, directory: String? = nil) throws -> Export {
        let directory = directory ?? session.workingDirectory
        switch what.lowercased() {
        case "metrics", "metrics.csv":
            let target = path ?? directory + "/metrics.csv"
            let table = metricsTable(session)
            return Export(files: [try DatasetWriter.csvFile(header: table.header, rows: table.rows, path: target)],
                          report: "wrote \(session.history.count) steps to \(target)")
        case "embeddings", "embeddings.npy":
            let target = path ?? directory + "/embeddings.npy"
            let embeddings = try session.embeddings()
            return Export(files: [try DatasetWriter.embeddingsFile(embeddings, path: target)],
                          report: "wrote \(embeddings.rows)x\(embeddings.cols) embeddings to \(target)")
        case "projector":
            let prefix = path ?? directory + "/projector"
            let embeddings = try session.embeddings()
            let files = try DatasetWriter.projectorFiles(vectors: embeddings, metadata: projectorMetadata(session), header: ["label", "text"],
                                                         vectorsPath: prefix + ".vectors.tsv", metadataPath: prefix + ".metadata.tsv")
            return Export(files: files, report: "wrote \(prefix).vectors.tsv and \(prefix).metadata.tsv (load both at projector.tensorflow.org)")
        case "st-snippet", "snippet":
            let target = path ?? directory + "/train_st.py"
            return Export(files: [PendingFile(path: target, text: TrainingScript.make(session))],
                          report: "wrote the sentence-transformers training code to \(target)")
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
