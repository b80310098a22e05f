import LossData
import LossKit

/// A loss as the picker lists it.
public struct LossFit: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// Why it cannot train on the loaded data; nil when it can.
    public var mismatch: String?
}

extension TrainingSnapshot {
    /// The current loss's parameter with this role, and its value.
    public func lossParameter(_ role: LossParameter.Role) -> (parameter: LossParameter, value: String)? {
        guard let parameter = lossParameters.first(role: role),
              let value = lossSettings.first(where: { $0.name == parameter.name })?.value else { return nil }
        return (parameter, value)
    }
}

/// Everything the explorer draws, as one immutable value the trainer publishes: the UI reads
/// the latest one and never waits for training.
public struct TrainingSnapshot: Sendable {
    public enum RunState: Sendable, Equatable {
        case paused
        case running
        case diverged(String)
    }

    /// One notebook cell as the notebook pane shows it.
    public struct Cell: Sendable, Equatable {
        public var text: String
        public var output: String
        public var isError: Bool
        public var isProse: Bool
        /// Shown but not run: a file-writing cell of a restored journal.
        public var isSkipped: Bool

        public init(text: String, output: String, isError: Bool, isProse: Bool, isSkipped: Bool) {
            self.text = text
            self.output = output
            self.isError = isError
            self.isProse = isProse
            self.isSkipped = isSkipped
        }
    }

    /// How a save asked for by the quit dialog went.
    public enum QuitSave: Sendable, Equatable {
        case saved(String)
        /// The file exists; nothing was written.
        case exists(String)
        case failed(String)
    }

    /// One embedded item in the 2-D view.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        /// Class index for colour, -1 when unknown.
        public var group: Int
        public var inBatch: Bool
    }

    public var version = 0
    public var state: RunState = .paused
    public var step = 0
    public var stepsPerSecond = 0.0
    /// The running pace in steps per second; nil is "max".
    public var pace: Int? = Trainer.defaultPace
    public var datasetSummary = "no data"
    public var datasetShape: DatasetShape?
    public var lossName = ""
    /// The loss as a `loss` command takes it, for commands that change one of a sum's settings.
    public var lossSpec = LossSpec(name: "")
    /// The loss with its settings as one line; a sum's terms joined by " + ".
    public var lossLine = ""
    /// The sentence-transformers release the session's losses follow ("6.2.0").
    public var reference = LossReference.latest.rawValue
    public var lossSettings: [(name: String, value: String)] = []
    public var encoderSummary = ""
    /// Why held-out metrics do not measure learning with this encoder, when they do not
    /// (the table encoder never trains the held-out items' rows).
    public var heldOutUntrained: String?
    public var trainingSettings: [(String, String)] = []
    public var history: [StepRecord] = []
    public var evaluations: [EvaluationRecord] = []
    public var batch: BatchOutcome?
    /// The text of each item of the last batch, when the data has text (only the batch's, so a
    /// snapshot's size does not grow with the dataset).
    public var batchTexts: [Int: String] = [:]
    public var points: [Point] = []
    /// Item index of each point: the display sample, then the items looked at that it missed.
    public var pointItems: [Int] = []
    /// How many of the points are the display sample (the rest are the batch's and the
    /// cursor's items it missed).
    public var sampledPoints = 0
    /// How many items the data has (points are a sample when the sample is smaller).
    public var itemCount = 0
    /// The sample's count per group (class, or column), of the group's total.
    public var pointCounts: [DisplaySample.GroupCount] = []
    /// Whether the points are a sample of the items rather than all of them.
    public var isSampled: Bool { sampledPoints < itemCount }
    /// The embeddings cursor's item with its nearest neighbours, when the explorer has one.
    public var cursor: PointNeighbours?
    public var axes = Projection.Axes()
    public var classNames: [String] = []
    public var cells: [Cell] = []
    /// Notebook cells waiting their turn (the one stepping included).
    public var queuedCells = 0
    /// Paused in the middle of queued cells: Space continues them.
    public var queueHeld = false
    public var quitSave: QuitSave?
    /// Counts the quit-dialog saves, so each outcome is seen once.
    public var quitSaveAttempt = 0
    /// The latest message for the status line (an output or an error).
    public var message = ""
    public var messageIsError = false
    /// What the last step gave evidence of (see TrainingWarnings).
    public var warnings: [String] = []
    /// The duel's second configuration, when one runs.
    public var rivalLoss: String?
    /// Why the duel's rival stopped, when it diverged (its chart keeps its last good steps).
    public var rivalDiverged: String?
    public var rivalHistory: [StepRecord] = []
    public var rivalEvaluations: [EvaluationRecord] = []

    /// Where the loss pushes one batch item in the 2-D view: its negative gradient, projected.
    public struct Force: Sendable, Equatable {
        public var item: Int
        public var x: Double
        public var y: Double
        public var dx: Double
        public var dy: Double
        public var group: Int
    }
    /// One per batch item with a non-zero gradient, longest scaled to ~12% of the view.
    public var forces: [Force] = []
    /// Batch items whose gradient is exactly zero (the loss ignores them this step).
    public var idleItems: Set<Int> = []
    /// Losses with whether they fit the data: (name, reason it does not fit or nil).
    /// Every loss the session can train, with its summary and why it does not fit the data.
    public var lossFits: [LossFit] = []
    /// The current loss's parameter table.
    public var lossParameters: [LossParameter] = []

    public init() {}
}
