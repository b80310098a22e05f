/// Where a triplet stands relative to the margin, in the loss's own distance units.
public enum Hardness: String, Sendable, CaseIterable {
    /// The negative is closer to the anchor than the positive: d(a,n) < d(a,p).
    case hard
    /// The negative is farther than the positive, but by less than the margin.
    case semiHard = "semi-hard"
    /// The negative is at least a margin farther than the positive: no loss.
    case easy

    public static func of(positiveDistance dap: Double, negativeDistance dan: Double, margin: Double) -> Hardness {
        if dan < dap { return .hard }
        if dan < dap + margin { return .semiHard }
        return .easy
    }
}

/// One tuple a loss used: a triplet (anchor, positive, negative), a pair (anchor, other), or
/// an anchor ranked against its in-batch candidates. Indices are rows of the batch; for losses
/// over several columns, row i of each column (MNRL: `negative` is a candidate index into the
/// concatenated non-anchor columns).
public struct MinedTuple: Sendable, Equatable {
    public var anchor: Int
    public var positive: Int
    public var negative: Int?
    /// d(a,p) for distance losses; the similarity for similarity losses.
    public var positiveScore: Double
    /// d(a,n) (or similarity) where there is a negative.
    public var negativeScore: Double?
    /// This tuple's term of the loss, before any averaging.
    public var loss: Double
    public var hardness: Hardness?
    /// The pair's label (pair losses) or the rank of the positive, 1 = first (MNRL).
    public var label: Double?
    /// A tuple the reference built by a fallback rule (semi-hard with no semi-hard negative).
    public var fallback: Bool
    /// The factor the loss multiplies the negative's softmax term by (MNRL's hardness penalty:
    /// e^(hardness_strength · similarity)); nil when it weighs the negative as it scores it.
    public var negativeWeight: Double?

    public init(anchor: Int, positive: Int, negative: Int? = nil, positiveScore: Double,
                negativeScore: Double? = nil, loss: Double, hardness: Hardness? = nil,
                label: Double? = nil, fallback: Bool = false) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
        self.positiveScore = positiveScore
        self.negativeScore = negativeScore
        self.loss = loss
        self.hardness = hardness
        self.label = label
        self.fallback = fallback
    }
}

/// Counts over the batch. `valid` counts every tuple the loss could form; `used` the ones its
/// rule picked; `active` the used ones with a non-zero term. For triplet losses `easy`,
/// `semiHard` and `hard` classify every valid triplet against the margin (a census).
public struct MiningCounts: Sendable, Equatable {
    public var valid = 0
    public var used = 0
    public var active = 0
    public var easy = 0
    public var semiHard = 0
    public var hard = 0
    public init(valid: Int = 0, used: Int = 0, active: Int = 0, easy: Int = 0, semiHard: Int = 0, hard: Int = 0) {
        self.valid = valid
        self.used = used
        self.active = active
        self.easy = easy
        self.semiHard = semiHard
        self.hard = hard
    }
}

/// A number only some losses count (CoSENT's inverted orderings, GIST's masked candidates):
/// it joins the step's metrics under `name`, so charts, `expect` and the metrics file read it.
public struct NamedCount: Sendable, Equatable {
    public var name: String
    public var value: Double
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// One named part of a loss's value (a ranking loss's direction); the parts sum to the value.
public struct NamedShare: Sendable, Equatable {
    public var name: String
    public var value: Double
    public init(_ name: String, _ value: Double) {
        self.name = name
        self.value = value
    }
}

/// Two tuples in the order the labels want but the scores reverse: `above` has the higher
/// label and a score at most `below`'s (indices into `MiningReport.tuples`).
public struct Inversion: Sendable, Equatable {
    public var above: Int
    public var below: Int
    public init(above: Int, below: Int) {
        self.above = above
        self.below = below
    }
}

/// A candidate the loss took out of an anchor's softmax, with the evidence for it: a guide
/// model rated it above the anchor's positive (GIST's probable false negative).
public struct MaskedCandidate: Sendable, Equatable {
    /// The anchor's batch row.
    public var anchor: Int
    /// Which of the anchor row's texts was compared: column 0 (the anchor) or 1 (its
    /// positive, GIST's positive-positive block).
    public var from: Int
    /// The candidate: a row of batch column `column` (0 anchors, 1 positives, 2… negatives).
    public var column: Int
    public var row: Int
    /// The model's similarity of the pair, which the softmax did not see.
    public var score: Double
    /// The guide's similarity of the pair and of the anchor with its own positive.
    public var guideScore: Double
    public var positiveGuideScore: Double
    /// The rule's line: masked when guideScore > threshold.
    public var threshold: Double
    public init(anchor: Int, from: Int, column: Int, row: Int, score: Double, guideScore: Double, positiveGuideScore: Double,
                threshold: Double) {
        self.anchor = anchor
        self.from = from
        self.column = column
        self.row = row
        self.score = score
        self.guideScore = guideScore
        self.positiveGuideScore = positiveGuideScore
        self.threshold = threshold
    }
}

/// How the loss weighs each candidate of `MiningReport.scores` (same layout): the factor its
/// softmax term is multiplied by, and the softmax probability it ends with.
public struct CandidateWeights: Sendable, Equatable {
    public var factors: [Double]
    public var probabilities: [Double]
    public init(factors: [Double] = [], probabilities: [Double] = []) {
        self.factors = factors
        self.probabilities = probabilities
    }
}

public enum TupleKind: String, Sendable {
    case triplet, pair, ranking, item
}

public struct MiningReport: Sendable, Equatable {
    public var kind: TupleKind
    public var tuples: [MinedTuple]
    public var counts: MiningCounts
    /// Ranking losses on small batches (at most `scoreLimit` entries): every anchor's
    /// similarity to each candidate, before the scale, row-major (anchors × `scoreColumns`),
    /// for the softmax inspector.
    public var scores: [Double]?
    public var scoreColumns = 0
    /// Whether the loss has a fallback rule (semi-hard mining without a semi-hard negative),
    /// so that a count of 0 fallbacks is news too.
    public var hasFallbackRule = false
    public static let scoreLimit = 65_536

    // What the views explain, filled when the batch asks for it (`LossBatch.explain`).
    /// Counts for the step's metrics (see `NamedCount`).
    public var namedCounts: [NamedCount] = []
    /// The value split into the loss's parts (per direction); empty for a single part.
    public var parts: [NamedShare] = []
    /// The worst inverted orderings, worst first, at most `inversionLimit`.
    public var inversions: [Inversion] = []
    public static let inversionLimit = 16
    /// Candidates the loss masked, at most `scoreLimit` of them (self-comparisons left out).
    public var masked: [MaskedCandidate] = []
    /// Anchor rows the loss left nothing to contrast with but their positive (GIST masked every
    /// other candidate): their term is 0 whatever the model does.
    public var unopposed: [Int] = []
    /// Beside `scores`, when the loss weighs candidates other than by their score (hardness).
    public var weights: CandidateWeights?
    /// A distillation loss's student against its teacher on the batch.
    public var distillation: DistillationReport?
    public init(kind: TupleKind, tuples: [MinedTuple] = [], counts: MiningCounts = MiningCounts()) {
        self.kind = kind
        self.tuples = tuples
        self.counts = counts
    }
}
