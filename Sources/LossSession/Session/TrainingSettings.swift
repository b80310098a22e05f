import LossData
import LossKit

/// Everything `set` changes: optimizer, schedule, batching, split, evaluation cadence.
public struct TrainingSettings: Equatable, Sendable {
    public var optimizer: OptimizerSettings
    public var batchSize = 32
    /// nil: P×K for labelled items, random otherwise.
    public var sampler: SamplerKind? = nil
    /// Examples per class in a P×K batch.
    public var perClass = 4
    public var seed: UInt64 = 1
    /// Fraction of the examples held out for evaluation.
    public var testFraction = 0.2
    /// Held-out evaluation every this many steps; 0 = only on `eval`.
    public var evalEvery = 50
    /// The sentence-transformers release whose loss behaviour the session reproduces.
    public var reference = LossReference.latest
    /// The most the loss's working memory for one batch may take, in bytes (`set
    /// loss_memory_limit=300KB`), as on a smaller machine; nil: the machine's memory budget.
    public var lossMemoryLimit: Double? = nil

    public init() {
        optimizer = OptimizerSettings()
        optimizer.kind = .adam
        optimizer.learningRate = 0.01
        optimizer.weightDecay = 0
    }

    /// The largest batch: the batch losses hold a batch × batch distance matrix.
    public static let maximumBatchSize = LossMemory.largestBatch
    /// Settings that change how batches are drawn or the split, so the sampler is rebuilt.
    static let structuralNames: Set<String> = ["batch_size", "sampler", "k", "per_class", "seed", "test_fraction", "split"]

    /// The names `set` accepts, with what each takes.
    public static let accepted: [(name: String, help: String)] = [
        ("lr", "learning rate, > 0"), ("optimizer", "sgd, momentum, adam, adamw"), ("batch_size", "examples per batch, ≥ 1"),
        ("sampler", "random, pk, no-duplicates, auto"), ("k", "examples per class for pk, ≥ 1"), ("seed", "whole number ≥ 0"),
        ("schedule", "constantlr, warmupconstant, warmuplinear, warmupcosine"), ("warmup", "warmup steps, ≥ 0"),
        ("total_steps", "steps the schedule spans, ≥ 1"), ("max_grad_norm", "clip the global gradient norm, > 0, or none"),
        ("weight_decay", "≥ 0"), ("momentum", "0 to 1"), ("beta1", "0 to 1"), ("beta2", "0 to 1"), ("eps", "> 0"),
        ("test_fraction", "held-out share of the examples, 0 to 0.9"), ("eval_every", "steps between held-out evaluations, ≥ 0"),
        ("reference", "the sentence-transformers release the losses follow: " + LossReference.allCases.map(\.rawValue).joined(separator: ", ")),
        ("loss_memory_limit", "the most the loss may hold for one batch: bytes, or KB, MB, GB (1000s), or none"),
    ]

    /// "300KB", "2.5MB", "1e6": bytes; nil for a value that is none of these.
    static func bytes(_ text: String) -> Double? {
        let units: [(String, Double)] = [("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)]
        let trimmed = String(text.filter { !$0.isWhitespace }).uppercased()
        let (number, factor) = units.first { trimmed.hasSuffix($0.0) }.map { (String(trimmed.dropLast($0.0.count)), $0.1) } ?? (trimmed, 1)
        guard let value = DecimalNumber.double(number), value.isFinite, value > 0 else { return nil }
        return value * factor
    }

    /// Applies `set` options; throws without changing anything when one is bad.
    public mutating func apply(_ options: [String: String]) throws {
        var next = self
        for (name, text) in options.sorted(by: { $0.key < $1.key }) {
            func number(_ low: Double, _ high: Double = .infinity, open: Bool = false) throws -> Double {
                guard let value = DecimalNumber.double(text), value.isFinite, open ? value > low : value >= low, value <= high else {
                    let range = high.isInfinite ? (open ? "> \(low)" : "≥ \(low)") : "from \(low) to \(high)"
                    throw CommandError("\(name) must be a decimal number \(range), got '\(text)'")
                }
                return value
            }
            func whole(_ low: Int) throws -> Int {
                guard let value = DecimalNumber.integer(text), value >= low else {
                    throw CommandError("\(name) must be a whole decimal number ≥ \(low), got '\(text)'")
                }
                return value
            }
            switch name {
            case "lr", "learning_rate": next.optimizer.learningRate = try number(0, open: true)
            case "optimizer":
                guard let kind = OptimizerKind(rawValue: text.lowercased()) else {
                    throw CommandError("optimizer must be one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                }
                if kind != next.optimizer.kind && options["weight_decay"] == nil {
                    next.optimizer.weightDecay = kind == .adamw ? 0.01 : 0
                }
                next.optimizer.kind = kind
            case "batch_size":
                next.batchSize = try whole(1)
                if next.batchSize > Self.maximumBatchSize {
                    throw CommandError("batch_size must be at most \(Self.maximumBatchSize) (a batch loss holds a batch_size² distance matrix), got \(next.batchSize)")
                }
            case "sampler":
                if text.lowercased() == "auto" { next.sampler = nil; continue }
                guard let kind = SamplerKind(rawValue: text.lowercased()) else {
                    throw CommandError("sampler must be random, pk, no-duplicates or auto, got '\(text)'")
                }
                next.sampler = kind
            case "k", "per_class":
                next.perClass = try whole(1)
                if next.perClass > Self.maximumBatchSize { throw CommandError("k must be at most \(Self.maximumBatchSize), got \(next.perClass)") }
                // Options apply in name order, so a batch_size of the same command is already in.
                if next.perClass > next.batchSize {
                    throw CommandError("k=\(next.perClass) is larger than batch_size=\(next.batchSize): a P×K batch holds at most batch_size examples")
                }
            case "seed":
                guard let seed = DecimalNumber.unsigned(text) else { throw CommandError("seed must be a whole number ≥ 0, got '\(text)'") }
                next.seed = seed
            case "schedule", "scheduler":
                guard let schedule = LearningRateSchedule(rawValue: text.lowercased()) else {
                    throw CommandError("schedule must be one of \(LearningRateSchedule.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
                }
                next.optimizer.schedule = schedule
            case "warmup", "warmup_steps": next.optimizer.warmupSteps = try whole(0)
            case "total_steps": next.optimizer.totalSteps = try whole(1)
            case "max_grad_norm":
                next.optimizer.maxGradNorm = ["none", "off", "0"].contains(text.lowercased()) ? nil : try number(0, open: true)
            case "weight_decay": next.optimizer.weightDecay = try number(0)
            case "momentum": next.optimizer.momentum = try number(0, 1)
            case "beta1": next.optimizer.beta1 = try number(0, 1)
            case "beta2": next.optimizer.beta2 = try number(0, 1)
            case "eps": next.optimizer.eps = try number(0, open: true)
            case "test_fraction", "split": next.testFraction = try number(0, 0.9)
            case "eval_every": next.evalEvery = try whole(0)
            case "loss_memory_limit":
                if text.lowercased() == "none" { next.lossMemoryLimit = nil; continue }
                guard let bytes = Self.bytes(text) else {
                    throw CommandError("loss_memory_limit must be a size in bytes > 0 (300000, 300KB, 2MB, 1GB) or none, got '\(text)'")
                }
                next.lossMemoryLimit = bytes
            case "reference":
                do { next.reference = try LossReference.parse(text) } catch let error as LossError { throw CommandError(error.message) }
            default:
                throw CommandError("set has no setting '\(name)'; settings: \(Self.accepted.map(\.name).joined(separator: ", ")) (loss hyperparameters go with `loss NAME name=value`)")
            }
        }
        self = next
    }

    /// The settings as name=value pairs, in `set` spelling.
    public var summary: [(String, String)] {
        var list: [(String, String)] = [
            ("optimizer", optimizer.kind.rawValue), ("lr", "\(optimizer.learningRate)"), ("batch_size", "\(batchSize)"),
            ("sampler", sampler?.rawValue ?? "auto"), ("k", "\(perClass)"), ("seed", "\(seed)"),
            ("schedule", optimizer.schedule.rawValue), ("warmup", "\(optimizer.warmupSteps)"), ("total_steps", "\(optimizer.totalSteps)"),
            ("weight_decay", "\(optimizer.weightDecay)"), ("test_fraction", "\(testFraction)"), ("eval_every", "\(evalEvery)"),
        ]
        list.append(("max_grad_norm", optimizer.maxGradNorm.map { "\($0)" } ?? "none"))
        list.append(("reference", reference.rawValue))
        if let lossMemoryLimit { list.append(("loss_memory_limit", LossMemory.describe(lossMemoryLimit))) }
        return list
    }
}
