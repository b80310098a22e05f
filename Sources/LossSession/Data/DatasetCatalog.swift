import Foundation
import LossData
import LossKit

/// Resolves `load SOURCE name=value...`: built-in toy sets (`toy:NAME`), built-in text sets
/// (`text:NAME`) and files; then the optional transforms (label_noise, duplicates) and
/// conversion (`as=pairs|triplets|hard-triplets|anchor-positive|teacher|teacher-scored|contrastive-tension`).
public enum DatasetCatalog {
    public static let toys = ["blobs", "rings", "spirals", "hierarchical"]
    public static let texts = ["topics", "pairs", "nli", "scored", "triplets", "sentences"]
    public static let conversions = ["pairs", "triplets", "hard-triplets", "anchor-positive", "teacher", "teacher-scored", "contrastive-tension"]

    /// Every built-in source, for pickers and completion.
    public static var builtIns: [String] { toys.map { "toy:" + $0 } + texts.map { "text:" + $0 } }

    /// One line on what a built-in source is.
    public static func describe(_ source: String) -> String {
        switch source {
        case "toy:blobs": return "Gaussian blobs in D dimensions (classes, per_class, dim, spread, noise)"
        case "toy:rings": return "concentric rings in 2-D: classes a straight line cannot separate"
        case "toy:spirals": return "interleaved spirals in 2-D"
        case "toy:hierarchical": return "super-classes of sub-classes: the margin decides which level separates"
        case "text:topics": return "short sentences over ~10 topics, labelled by topic"
        case "text:pairs": return "paraphrase pairs (anchor, positive) for the in-batch negatives losses"
        case "text:nli": return "sentence pairs labelled entailment / neutral / contradiction (topical proxy)"
        case "text:scored": return "sentence pairs with a similarity score in [0, 1]"
        case "text:triplets": return "(anchor, paraphrase, other-topic sentence) triplets"
        case "text:sentences": return "plain sentences (for denoising auto-encoders)"
        default: return "a file: .npy/.npz (+ labels), .csv/.tsv, projector TSV pair, .jsonl"
        }
    }

    public static func load(_ source: String, options: [String: String], relativeTo directory: String) throws -> Dataset {
        var reader = OptionReader(options, for: "load \(source)")
        let seed = UInt64(try reader.int("seed", default: 1, range: 0...Int.max))
        var dataset: Dataset
        if source.hasPrefix("toy:") {
            let name = String(source.dropFirst(4))
            switch name {
            case "blobs":
                dataset = try ToyDatasets.blobs(
                    classes: try reader.int("classes", default: 6, range: 2...10_000),
                    perClass: try reader.int("per_class", default: 30, range: 1...1_000_000),
                    dimension: try reader.int("dim", default: 8, range: 1...4096),
                    spread: try reader.double("spread", default: 4, range: 0...1e6),
                    noise: try reader.double("noise", default: 1, range: 0...1e6), seed: seed)
            case "rings":
                dataset = try ToyDatasets.rings(classes: try reader.int("classes", default: 3, range: 2...100),
                                                perClass: try reader.int("per_class", default: 60, range: 1...1_000_000),
                                                noise: try reader.double("noise", default: 0.05, range: 0...100), seed: seed)
            case "spirals":
                dataset = try ToyDatasets.spirals(classes: try reader.int("classes", default: 3, range: 2...100),
                                                  perClass: try reader.int("per_class", default: 60, range: 1...1_000_000),
                                                  noise: try reader.double("noise", default: 0.02, range: 0...100), seed: seed)
            case "hierarchical":
                dataset = try ToyDatasets.hierarchical(
                    superClasses: try reader.int("super_classes", default: 3, range: 2...1000),
                    subClassesPer: try reader.int("sub_classes", default: 3, range: 1...1000),
                    perSubClass: try reader.int("per_class", default: 15, range: 1...1_000_000),
                    dimension: try reader.int("dim", default: 8, range: 1...4096),
                    superSpread: try reader.double("super_spread", default: 8, range: 0...1e6),
                    subSpread: try reader.double("sub_spread", default: 2, range: 0...1e6),
                    noise: try reader.double("noise", default: 0.5, range: 0...1e6), seed: seed)
            default:
                throw CommandError("no toy dataset '\(name)'; toys: \(toys.joined(separator: ", "))")
            }
        } else if source.hasPrefix("text:") {
            let name = String(source.dropFirst(5))
            switch name {
            case "topics": dataset = ToyText.topics(seed: seed)
            case "pairs": dataset = ToyText.paraphrasePairs(seed: seed)
            case "nli": dataset = ToyText.nliPairs(seed: seed)
            case "scored": dataset = try ToyText.scoredPairs(seed: seed)
            case "triplets": dataset = ToyText.triplets(seed: seed)
            case "sentences": dataset = ToyText.sentences()
            default: throw CommandError("no text dataset '\(name)'; text sets: \(texts.joined(separator: ", "))")
            }
        } else {
            let path = source.hasPrefix("/") ? source : directory + "/" + source
            let labels = reader.string("labels").map { $0.hasPrefix("/") ? $0 : directory + "/" + $0 }
            dataset = try DatasetLoader.load(path: path, labels: labels)
        }
        // A JSONL guide or teacher names its rows by the examples as the file listed them.
        let listedExamples = dataset.examples
        let teacherKey = reader.string("teacher_key")
        if let teacher = reader.string("teacher") {
            let path = teacher.hasPrefix("/") ? teacher : directory + "/" + teacher
            let loaded = try TeacherLoader.load(path: path, key: teacherKey, itemCount: dataset.itemCount, examples: listedExamples)
            dataset = try dataset.withTeacher(loaded, from: path)
        } else if let teacherKey {
            throw CommandError("load \(source): teacher_key=\(teacherKey) names the array or field of a teacher; give teacher=FILE too")
        }
        // What the loader read stays with the data through the transforms below.
        let notes = dataset.notes

        let noise = try reader.double("label_noise", default: 0, range: 0...1)
        if dataset.teacherScores != nil, let change = ["as", "label_noise", "duplicates"].first(where: { reader.peek($0) != nil }) {
            throw CommandError("load \(source): the teacher's scores belong to the examples as the file lists them; \(change)= would change the examples")
        }
        if noise > 0 { dataset = try ToyDatasets.withLabelNoise(dataset, fraction: noise, seed: seed) }
        let duplicates = try reader.double("duplicates", default: 0, range: 0...1)
        if duplicates > 0 { dataset = try ToyDatasets.withDuplicates(dataset, fraction: duplicates, seed: seed) }
        if reader.string("as") == "contrastive-tension" {
            dataset = try DatasetConversions.contrastiveTension(dataset, posNegRatio: try reader.int("pos_neg_ratio", default: 8, range: 1...1_000_000),
                                                                seed: seed)
        } else if reader.string("as") == "teacher-scored" {
            if dataset.shape == .labelledItems && dataset.teacher == nil {
                dataset = try dataset.withTeacher(dimension: try reader.int("teacher_dim", default: 16, range: 1...4096), seed: seed)
            }
            dataset = try DatasetConversions.teacherScored(dataset, seed: seed)
        } else if let target = reader.string("as") {
            guard dataset.shape == .labelledItems else {
                throw CommandError("as=\(target) converts labelled items; \(dataset.name) is \(dataset.shape.rawValue)")
            }
            switch target {
            case "pairs": dataset = try DatasetConversions.binaryPairs(dataset, seed: seed)
            case "triplets": dataset = try DatasetConversions.triplets(dataset, seed: seed)
            case "hard-triplets": dataset = try DatasetConversions.triplets(dataset, hardest: true, seed: seed)
            case "anchor-positive": dataset = try DatasetConversions.anchorPositivePairs(dataset, seed: seed)
            case "teacher": dataset = try dataset.withTeacher(dimension: try reader.int("teacher_dim", default: 16, range: 1...4096), seed: seed)
            default: throw CommandError("as must be one of \(conversions.joined(separator: ", ")), got '\(target)'")
            }
        }
        let guideKey = reader.string("guide_key")
        if let guide = reader.string("guide") {
            let path = guide.hasPrefix("/") ? guide : directory + "/" + guide
            dataset.guide = try GuideLoader.load(path: path, key: guideKey, itemCount: dataset.itemCount, examples: listedExamples)
        } else if let guideKey {
            throw CommandError("load \(source): guide_key=\(guideKey) names the array or field of a guide; give guide=FILE too")
        }
        try reader.finish()
        // The readers refused non-finite values, the generators make none and the transforms
        // copy them: what is left to check is the structure.
        try dataset.validate(checkingValues: false)
        dataset.notes = notes
        return dataset
    }
}

/// Reads `name=value` options of a command, with ranges, and refuses names nobody read.
struct OptionReader {
    private let values: [String: String]
    private let owner: String
    private var read: Set<String> = []

    init(_ values: [String: String], for owner: String) {
        self.values = values
        self.owner = owner
    }

    mutating func string(_ name: String) -> String? {
        read.insert(name)
        return values[name]
    }

    /// The value without marking the option read.
    func peek(_ name: String) -> String? { values[name] }

    mutating func int(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(name) else { return fallback }
        guard let value = DecimalNumber.integer(text), range.contains(value) else {
            throw CommandError("\(owner): \(name) must be a whole decimal number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    mutating func double(_ name: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        guard let text = string(name) else { return fallback }
        guard let value = DecimalNumber.double(text), range.contains(value) else {
            throw CommandError("\(owner): \(name) must be a decimal number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    func finish() throws {
        if let unknown = Set(values.keys).subtracting(read).sorted().first {
            throw CommandError("\(owner): unknown option '\(unknown)'; options: \(read.sorted().joined(separator: ", "))")
        }
    }
}
