import LossKit
import LossSession
import TerminalKit

/// The explorer's whole state. `update` changes it in response to events and returns the
/// requests for the trainer; `view` draws it. Both are pure, so tests drive them directly.
public struct ExplorerModel {
    public enum Pane: String, CaseIterable, Sendable {
        case embeddings, charts, mining, parameters, notebook
    }

    public enum Overlay: Equatable, Sendable {
        case none
        case help
        /// The loss or dataset picker: `picker` holds its list and filter.
        case lossPicker
        case datasetPicker
        case confirmQuit
        /// The quit dialog's save is under way.
        case savingForQuit
        /// The quit dialog's save found a file of that name: overwrite it?
        case confirmOverwrite(String)
        case confirmReset
        /// Journals of sessions that did not end cleanly: replay one?
        case confirmRestore(selected: Int)
        /// A ranking loss: the softmax over the selected anchor's candidates.
        case inspector
        /// Enter on a mining row: `rowDetail`, frozen when it opened.
        case rowDetail
    }

    /// What the command line is being used for.
    public enum LinePurpose: Equatable, Sendable {
        case command
        case stepCount
        case editCell(Int)
        case editParameter(String)
        /// The quit dialog asks where to save.
        case savePath
        /// `/` in a pane: what to look for there.
        case search(Pane)
    }

    /// An active `/` search: n and N jump between the rows of `pane` that contain `query`.
    public struct Search: Equatable, Sendable {
        public var pane: Pane
        public var query: String
    }

    /// What the chart pane shows; `c` cycles.
    public enum ChartMode: Int, CaseIterable, Sendable {
        case lossAndGradient, census, histogram
        /// The loss's terms over steps (a sum's, GOR's), with what they push towards.
        case terms
        /// A distillation loss's student against its teacher on the last batch (a scatter).
        case teacher
        /// The contrastive-tension losses' two encoders drifting apart over steps.
        case drift
        public var title: String {
            ["Loss & gradient", "Hardness census", "Margin in its units", "Loss terms", "Student vs teacher", "Encoders' drift"][rawValue]
        }

        /// Whether the chart has anything to draw for this snapshot (the loss-specific ones don't for other losses).
        func applies(to snapshot: TrainingSnapshot) -> Bool {
            switch self {
            case .lossAndGradient, .census, .histogram: true
            case .terms: snapshot.history.last?.terms.isEmpty == false || DimensionCurve(snapshot) != nil
            case .teacher: snapshot.batch?.mining.distillation != nil
            case .drift: snapshot.history.last?.extras.contains { $0.0 == "encoder_cosine" } == true
            }
        }
    }

    /// Which steps the charts over steps show; `w` cycles.
    public enum ChartWindow: Int, CaseIterable, Sendable {
        case all, recent, logSteps
        /// The steps `recent` keeps.
        public static let recentSteps = 200
        public var title: String { ["all steps", "last \(Self.recentSteps) steps", "log steps"][rawValue] }
    }

    public enum MiningSort: Int, CaseIterable, Sendable {
        case loss, anchor, positiveScore, negativeScore
        /// The pair's label, highest first (CoSENT: the order its scores should follow).
        case label
        public var title: String { ["loss", "anchor", "d(a,p)", "d(a,n)", "label"][rawValue] }
    }

    public var width: Int
    public var height: Int
    public var focus: Pane = .embeddings
    public var overlay: Overlay = .none
    /// The open command line, or nil.
    public var line: TextField?
    public var linePurpose: LinePurpose = .command
    /// Commands typed so far, for up/down history across command lines.
    public var commandHistory: [String] = []
    public var snapshot = TrainingSnapshot()
    public var miningSelection = 0
    public var miningSort: MiningSort = .loss
    /// Which term of a sum the mining pane shows (`t` cycles); wraps around the sum's terms.
    public var termView = 0
    public var chartMode: ChartMode = .lossAndGradient
    public var chartWindow: ChartWindow = .all
    /// The loss on a log scale; `W` toggles.
    public var logLoss = false
    /// Draw each batch point's push (negative gradient) as an arrow; `f` toggles.
    public var showForces = false
    /// Cells of an opened notebook not run yet: `.` runs the next, `>` the rest.
    public var pending: [String] = []
    /// Whether `p` last pinned the batch (loss changes then report their effect on it).
    public var pinned = false
    public var parameterSelection = 0
    public var notebookSelection: Int? = nil
    /// The open loss or dataset picker.
    public var picker: Picker?
    public var search: Search?
    /// First row of the help overlay when it is taller than the screen.
    public var helpScroll = 0
    /// The point under the embeddings cursor (an item), or nil.
    public var cursorItem: Int?
    /// The mining row Enter opened, as it was then.
    var rowDetail: RowDetail?
    /// First row of the row detail when it is taller than the screen.
    public var detailScroll = 0
    public var ascii = false
    public var color = true
    /// Cells already saved (or loaded): fewer than the snapshot's means unsaved work.
    public var savedCellCount = 0
    /// Where `q` → save writes.
    public var savePath = "session.lab"
    /// A note from the UI itself (not the trainer), shown in the status area until the next key.
    public var note: String?
    /// Journals of sessions that did not end cleanly, newest first, offered by `.confirmRestore`.
    public var restoreOffers: [RestoreOffer] = []
    /// Why the journal cannot be written, shown in the status line until it can.
    public var journalProblem: String?
    /// The quit dialog's save waits for the trainer's answer to this attempt.
    var awaitedQuitSave: Int?

    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }

    public var hasUnsavedWork: Bool {
        snapshot.cells.filter { !$0.isError }.count > savedCellCount
    }

    /// The sorted tuples, set only on the copy of the model `view()` draws from, so the panes
    /// of one frame sort the batch's tuples (up to 4,096) once, not once each.
    var frameTuples: [MinedTupleRow]?

    /// The mined tuples of the last batch in the table's order.
    public var sortedTuples: [MinedTupleRow] {
        if let frameTuples { return frameTuples }
        guard let batch = snapshot.batch else { return [] }
        let rows = batch.mining.tuples.enumerated().map { MinedTupleRow(index: $0.offset, tuple: $0.element, batch: batch) }
        switch miningSort {
        case .loss: return rows.sorted { ($0.tuple.loss, -$0.index) > ($1.tuple.loss, -$1.index) }
        case .anchor: return rows.sorted { ($0.anchorItem, $0.index) < ($1.anchorItem, $1.index) }
        case .positiveScore: return rows.sorted { ($0.tuple.positiveScore, $0.index) > ($1.tuple.positiveScore, $1.index) }
        case .negativeScore: return rows.sorted { ($0.tuple.negativeScore ?? 0, $0.index) < ($1.tuple.negativeScore ?? 0, $1.index) }
        case .label: return rows.sorted { ($0.tuple.label ?? 0, -$0.index) > ($1.tuple.label ?? 0, -$1.index) }
        }
    }

    public var selectedTuple: MinedTupleRow? {
        let rows = sortedTuples
        return rows.isEmpty ? nil : rows[min(max(miningSelection, 0), rows.count - 1)]
    }
}

/// A journal offered for restore, as the dialog lists it.
public struct RestoreOffer: Equatable, Sendable {
    public var commands: [String]
    /// "3 min ago", "2 days ago"
    public var age: String

    public init(commands: [String], age: String) {
        self.commands = commands
        self.age = age
    }
}
