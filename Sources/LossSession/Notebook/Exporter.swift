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
    /// held-out metrics in the row of the step they were taken at. A notebook that changes its
    /// loss or encoder changes what a step records: the columns are every name any step has,
    /// in the order they first appear, and a step without one leaves its field empty.
    static func metricsTable(_ session: Session) -> (header: [String], rows: [[String]]) {
        var stepNames: [String] = [], groups: [String] = [], evalNames: [String] = []
        var seenStep = Set<String>(), seenGroup = Set<String>()
        for record in session.history {
            for (name, _) in record.metrics where seenStep.insert(name).inserted { stepNames.append(name) }
            for name in record.groupNorms.keys.sorted() where seenGroup.insert(name).inserted { groups.append(name) }
        }
        if session.history.isEmpty { stepNames = StepRecord.emptyNames }
        for record in session.evaluations { for metric in record.metrics where !evalNames.contains(metric.name) { evalNames.append(metric.name) } }
        let evaluations = Dictionary(session.evaluations.map { ($0.step, $0) }, uniquingKeysWith: { $1 })
        let rows = session.history.map { record -> [String] in
            let evaluation = evaluations[record.step]
            let values = record.metrics.map(\.0) == stepNames ? record.metrics.map(\.1).map(format)
                : stepNames.map { name in record.metrics.first { $0.0 == name }.map { format($0.1) } ?? "" }
            return values + groups.map { record.groupNorms[$0].map(format) ?? "" }
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
