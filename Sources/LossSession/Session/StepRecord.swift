import LossKit
import RealModule

/// The numbers of one optimizer step: what the metrics file, the charts and `expect` read.
public struct StepRecord: Sendable, Equatable {
    public var step: Int
    public var loss: Double
    /// Global gradient norm before clipping, over every trained parameter.
    public var gradientNorm: Double
    /// Per parameter, before clipping.
    public var groupNorms: [String: Double]
    public var learningRate: Double
    public var counts: MiningCounts
    public var health: EmbeddingHealth
    /// Metrics only some losses have (DenoisingAutoEncoderLoss: token_accuracy).
    public var extras: [(String, Double)] = []
    /// How many warnings the step raised (see Session.warnings).
    public var warningCount = 0
    /// The loss's terms, weighted, under the names the trainer logs them (a sum's terms, GOR's
    /// gor_mean and gor_second_moment), or LossLab's split of one loss (MatryoshkaLoss's
    /// `loss@32` per dimension, `LossResult.breakdown`); empty for a loss of one value.
    public var terms: [(name: String, value: Double)] = []
    /// What the terms push towards: a measured quantity, its value and its target (see LossResult.targets).
    public var targets: [(name: String, value: Double, target: Double)] = []
    /// What the loss held at its fullest and in how many mini-batches (the losses that measure it).
    public var scratch: ScratchUse?

    public init(step: Int, loss: Double, gradientNorm: Double, groupNorms: [String: Double], learningRate: Double,
                counts: MiningCounts, health: EmbeddingHealth) {
        self.step = step
        self.loss = loss
        self.gradientNorm = gradientNorm
        self.groupNorms = groupNorms
        self.learningRate = learningRate
        self.counts = counts
        self.health = health
    }

    /// Extras compare by bit pattern: a NaN extra (a layer AdaptiveLayerLoss did not sample) equals itself on a replay.
    public static func == (a: StepRecord, b: StepRecord) -> Bool {
        a.step == b.step && a.loss == b.loss && a.gradientNorm == b.gradientNorm && a.groupNorms == b.groupNorms
            && a.learningRate == b.learningRate && a.counts == b.counts && a.health == b.health
            && a.extras.map(\.0) == b.extras.map(\.0) && a.extras.map(\.1.bitPattern) == b.extras.map(\.1.bitPattern) && a.warningCount == b.warningCount
            && a.terms.map(\.name) == b.terms.map(\.name) && a.terms.map(\.value) == b.terms.map(\.value)
            && a.targets.map(\.name) == b.targets.map(\.name) && a.targets.map(\.value) == b.targets.map(\.value)
            && a.targets.map(\.target) == b.targets.map(\.target) && a.scratch == b.scratch
    }

    /// Share of the used tuples with a non-zero term.
    public var activeFraction: Double { counts.used == 0 ? 0 : Double(counts.active) / Double(counts.used) }

    /// Shares of the triplet census (hard, semi-hard, easy; 0 without one).
    public var hardFraction: Double { Double(counts.hard) / censusSize }
    public var semiHardFraction: Double { Double(counts.semiHard) / censusSize }
    public var easyFraction: Double { Double(counts.easy) / censusSize }
    private var censusSize: Double { Double(max(counts.easy + counts.semiHard + counts.hard, 1)) }

    /// The metrics by their `expect` / CSV names.
    public var metrics: [(String, Double)] {
        [
            ("step", Double(step)), ("loss", loss), ("grad_norm", gradientNorm), ("lr", learningRate),
            ("valid", Double(counts.valid)), ("used", Double(counts.used)), ("active", Double(counts.active)),
            ("active_fraction", activeFraction), ("easy", Double(counts.easy)), ("semi_hard", Double(counts.semiHard)),
            ("hard", Double(counts.hard)), ("hard_fraction", hardFraction),
            ("semi_hard_fraction", semiHardFraction), ("easy_fraction", easyFraction),
            ("mean_norm", health.meanNorm), ("mean_cosine", health.meanCosine), ("mean_distance", health.meanDistance),
            ("alignment", health.alignment), ("uniformity", health.uniformity), ("warnings", Double(warningCount)),
        ] + (scratch.map { [("loss_memory", Double($0.peakBytes)), ("mini_batches", Double($0.miniBatches))] } ?? []) + extras
            + terms.map { (Self.metricName($0.name), $0.value) } + targets.map { (Self.metricName($0.name), $0.value) }
    }

    /// A term's or target's metric name: lowercased, as `expect` reads names.
    public static func metricName(_ name: String) -> String { name.lowercased() }
}

/// What the last batch looked like, for the mining pane and `show triplets`.
public struct BatchOutcome: Sendable {
    public var step: Int
    /// Example indices of the batch.
    public var examples: [Int]
    /// Item index per column per batch row: items[column][row].
    public var items: [[Int]]
    public var mining: MiningReport
    /// Gradient norm of each batch row's embedding (all columns together), largest first: (row, norm).
    public var largestGradients: [(row: Int, norm: Double)]
    /// dL/d(embedding) of every batch row, columns stacked like `items` (for the forces view).
    public var embeddingGradients: Matrix<Float>? = nil
    /// A sum's terms one by one: each term's name and what it mined (`mining` is the first's);
    /// a MatryoshkaLoss's dimensions the same way (`loss@32`). Empty for a loss of one part.
    public var termMinings: [(name: String, mining: MiningReport)] = []
}
