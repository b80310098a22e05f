import LossData
import LossKit

/// What the trainer itself knows beside the session: its run state, the cells it ran, its
/// queue and its last message.
public struct TrainerStatus: Sendable {
    public var version = 0
    /// Stepping (or about to): `run`, a `step N` request or a step cell in progress.
    public var running = false
    /// Steps per second while running free; nil is as fast as it goes.
    public var pace: Int? = Trainer.defaultPace
    public var stepsPerSecond = 0.0
    public var cells: [TrainingSnapshot.Cell] = []
    public var queuedCells = 0
    public var queueHeld = false
    public var quitSave: TrainingSnapshot.QuitSave?
    public var quitSaveAttempt = 0
    public var message = ""
    public var messageIsError = false
    /// The item under the explorer's embeddings cursor, whose neighbours the snapshot carries.
    public var cursorItem: Int?

    public init() {}
}

/// The 2-D view of the embeddings: every projected item is drawn, the display sample first
/// (ascending) and then the items the user looks at that it missed (the batch, the cursor's
/// item). Its size is bounded by the sample's limit plus a batch, whatever the dataset's size.
public struct EmbeddingView: Sendable {
    public var items: [Int]
    /// The group (class, or column) of each of `items`.
    public var groups: [Int]
    /// (x, y) of each of `items`.
    public var positions: [(x: Double, y: Double)]
    /// How many of `items` are the display sample.
    public var sampleCount: Int
    /// The sample's count per group, of the group's total.
    public var counts: [DisplaySample.GroupCount]
    public var itemCount: Int
    public var axes: Projection.Axes
    /// The two directions (D each) the positions are projections on.
    public var directions: [[Double]]
    /// The cursor's item with its nearest neighbours among `items`, when asked for.
    public var cursor: PointNeighbours?

    public init(items: [Int], groups: [Int], positions: [(x: Double, y: Double)], sampleCount: Int, counts: [DisplaySample.GroupCount] = [],
                itemCount: Int, axes: Projection.Axes, directions: [[Double]], cursor: PointNeighbours? = nil) {
        self.items = items
        self.groups = groups
        self.positions = positions
        self.sampleCount = sampleCount
        self.counts = counts
        self.itemCount = itemCount
        self.axes = axes
        self.directions = directions
        self.cursor = cursor
    }

    /// The index of `item` in `items`: a binary search in the sorted sample, then the few
    /// items looked at.
    public func index(of item: Int) -> Int? {
        var low = 0, high = sampleCount
        while low < high {
            let middle = (low + high) / 2
            if items[middle] < item { low = middle + 1 } else { high = middle }
        }
        if low < sampleCount && items[low] == item { return low }
        return items[sampleCount...].firstIndex(of: item)
    }

    /// The items to project: the sample, then the items looked at that it misses (each once,
    /// ascending).
    public static func items(sample: DisplaySample, lookedAt: some Sequence<Int>) -> [Int] {
        let extra = Set(lookedAt.filter { $0 >= 0 && $0 < sample.itemCount && !sample.contains($0) }).sorted()
        return sample.items + extra
    }
}

extension TrainingSnapshot {
    /// The most step records a snapshot carries (the charts' window).
    public static let historyWindow = 20_000

    /// Everything the explorer draws, from the session, the trainer's status and the 2-D view.
    /// Pure: the same inputs give the same snapshot, so tests build one without a trainer.
    public static func make(session: Session, status: TrainerStatus, view: EmbeddingView?) -> TrainingSnapshot {
        var snapshot = TrainingSnapshot()
        snapshot.version = status.version
        if case .diverged(let reason) = session.state { snapshot.state = .diverged(reason) }
        else { snapshot.state = status.running ? .running : .paused }
        snapshot.step = session.stepIndex
        snapshot.stepsPerSecond = status.stepsPerSecond
        snapshot.pace = status.pace
        if let dataset = session.dataset {
            snapshot.datasetSummary = session.summarize(dataset)
            snapshot.datasetShape = dataset.shape
            snapshot.classNames = dataset.labelNames
        }
        snapshot.lossFits = SessionLoss.all.map { type in
            LossFit(name: type.className, summary: type.summary, mismatch: session.dataset.flatMap { Session.mismatch($0, type) })
        }
        snapshot.lossName = session.loss.className
        snapshot.lossSpec = session.loss.spec
        snapshot.lossLine = session.loss.line
        snapshot.lossParameters = session.loss.parameters(in: session.settings.reference)
        snapshot.reference = session.settings.reference.rawValue
        snapshot.lossSettings = session.loss.settings
        snapshot.encoderSummary = session.encoderChoice.summary
        snapshot.heldOutUntrained = session.encoderChoice.kind == "table" ? "table encoder: held-out items are never trained" : nil
        snapshot.trainingSettings = session.settings.summary
        snapshot.history = Array(session.history.suffix(historyWindow))
        snapshot.evaluations = session.evaluations
        snapshot.batch = session.lastBatch
        if let texts = session.dataset?.texts, let batch = session.lastBatch {
            for item in batch.items.joined() where item < texts.count { snapshot.batchTexts[item] = texts[item] }
        }
        snapshot.cells = status.cells
        snapshot.warnings = session.warnings
        if let rival = session.rival {
            snapshot.rivalLoss = rival.describeLoss()
            snapshot.rivalDiverged = rival.divergedReason
            snapshot.rivalHistory = Array(rival.history.suffix(historyWindow))
            snapshot.rivalEvaluations = rival.evaluations
        }
        snapshot.queuedCells = status.queuedCells
        snapshot.queueHeld = status.queueHeld
        snapshot.quitSave = status.quitSave
        snapshot.quitSaveAttempt = status.quitSaveAttempt
        snapshot.message = status.message
        snapshot.messageIsError = status.messageIsError
        if session.dataset != nil, let view {
            let batchItems = Set(session.lastBatch?.items.flatMap { $0 } ?? [])
            snapshot.points.reserveCapacity(view.items.count)
            for (index, item) in view.items.enumerated() {
                let position = view.positions[index]
                snapshot.points.append(Point(x: position.x, y: position.y, group: view.groups[index], inBatch: batchItems.contains(item)))
            }
            snapshot.pointItems = view.items
            snapshot.sampledPoints = view.sampleCount
            snapshot.itemCount = view.itemCount
            snapshot.pointCounts = view.counts
            snapshot.axes = view.axes
            if let batch = session.lastBatch, let gradients = batch.embeddingGradients {
                (snapshot.forces, snapshot.idleItems) = forces(batch, gradients: gradients, view: view)
            }
            if let item = status.cursorItem, let found = view.cursor, found.item == item { snapshot.cursor = found }
        }
        return snapshot
    }

    /// The value of the session's loss's metric parameter, when it has one.
    static func metric(of session: Session) -> String? {
        guard let parameter = session.loss.parameters(in: session.settings.reference).first(role: .metric) else { return nil }
        return session.loss.settings.first { $0.name == parameter.name }?.value
    }

    /// The cursor's item and its nearest neighbours among `items` (the rows of `embeddings`),
    /// in those embeddings; nil when the item is not among them.
    public static func neighbours(of item: Int, items: [Int], embeddings: Matrix<Float>, texts: [String]?, itemCount: Int,
                                  metric: String?) -> PointNeighbours? {
        guard embeddings.rows == items.count, let row = items.firstIndex(of: item) else { return nil }
        let measure = PointNeighbours.Measure.of(metric: metric)
        func text(_ item: Int) -> String? { texts.flatMap { item < $0.count ? $0[item] : nil } }
        let nearest = PointNeighbours.nearest(to: row, in: embeddings, measure: measure).map { found in
            PointNeighbours.Neighbour(item: items[found.row], value: found.value, text: text(items[found.row]))
        }
        return PointNeighbours(item: item, text: text(item), measure: measure, dimension: embeddings.cols, searched: items.count,
                               itemCount: itemCount, neighbours: nearest)
    }

    /// Each batch item's negative gradient (summed over the columns it appears in), projected
    /// on the view's two directions and scaled for display.
    static func forces(_ batch: BatchOutcome, gradients: Matrix<Float>, view: EmbeddingView) -> ([Force], Set<Int>) {
        let directions = view.directions
        var points: [Int: (x: Double, y: Double, group: Int)] = [:]
        for item in Set(batch.items.joined()) {
            if let index = view.index(of: item) { points[item] = (view.positions[index].x, view.positions[index].y, view.groups[index]) }
        }
        guard directions.count == 2, directions[0].count == gradients.cols else { return ([], []) }
        var pushes: [Int: (Double, Double)] = [:]
        var norms: [Int: Double] = [:]
        for (row, item) in batch.items.flatMap({ $0 }).enumerated() where row < gradients.rows && points[item] != nil {
            var gx = 0.0, gy = 0.0, norm = 0.0
            for k in 0..<gradients.cols {
                let g = Double(gradients[row, k])
                gx -= g * directions[0][k]
                gy -= g * directions[1][k]
                norm += g * g
            }
            let current = pushes[item] ?? (0, 0)
            pushes[item] = (current.0 + gx, current.1 + gy)
            norms[item, default: 0] += norm
        }
        let idle = Set(norms.filter { $0.value == 0 }.map(\.key))
        let longest = pushes.values.map { ($0.0 * $0.0 + $0.1 * $0.1).squareRoot() }.max() ?? 0
        guard longest > 0 else { return ([], idle) }
        let span = max(view.axes.maxX - view.axes.minX, view.axes.maxY - view.axes.minY)
        let scale = 0.12 * span / longest
        let forces = pushes.filter { !idle.contains($0.key) }.map { item, push in
            Force(item: item, x: points[item]!.x, y: points[item]!.y, dx: push.0 * scale, dy: push.1 * scale, group: points[item]!.group)
        }.sorted { $0.item < $1.item }
        return (forces, idle)
    }

    /// The colour group of each item: its class, or else its column (anchor, positive, negative).
    static func groups(_ dataset: Dataset) -> [Int] {
        if let classes = dataset.itemClasses { return classes }
        var groups = [Int](repeating: -1, count: dataset.itemCount)
        if dataset.shape == .labelledItems {
            for (index, example) in dataset.examples.enumerated() { groups[example[0]] = Int(dataset.labels[index]) }
        } else {
            for example in dataset.examples { for (column, item) in example.enumerated() where groups[item] < 0 { groups[item] = column } }
        }
        return groups
    }
}
