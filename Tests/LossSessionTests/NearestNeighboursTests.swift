import Testing
import LossKit
@testable import LossSession

/// The embeddings cursor's neighbours: the nearest rows in the model's own embedding space.
@Suite struct NearestNeighboursTests {
    static func embeddings(rows: Int, cols: Int, seed: Int) -> Matrix<Float> {
        var state = UInt64(seed)
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2001 - 1000) / 250
        })
    }

    /// Every row's value to the query in float64, straight from the definitions.
    static func value(_ m: Matrix<Float>, _ a: Int, _ b: Int, _ measure: PointNeighbours.Measure) -> Double {
        let x = m.row(a).map(Double.init), y = m.row(b).map(Double.init)
        let dot = zip(x, y).map { $0 * $1 }.reduce(0, +)
        switch measure {
        case .euclidean: return zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        case .manhattan: return zip(x, y).map { abs($0 - $1) }.reduce(0, +)
        case .cosine:
            let nx = x.map { $0 * $0 }.reduce(0, +).squareRoot(), ny = y.map { $0 * $0 }.reduce(0, +).squareRoot()
            return 1 - dot / (max(nx, 1e-12) * max(ny, 1e-12))
        case .dot: return dot
        }
    }

    @Test(arguments: PointNeighbours.Measure.allCases)
    func theNearestRowsAreTheBruteForceOnes(measure: PointNeighbours.Measure) {
        let m = Self.embeddings(rows: 200, cols: 7, seed: 3)
        for query in [0, 57, 199] {
            let found = PointNeighbours.nearest(to: query, in: m, measure: measure)
            let expected = (0..<200).filter { $0 != query }.map { (row: $0, value: Self.value(m, query, $0, measure)) }
                .sorted { measure.largerIsNearer ? ($0.value, -$0.row) > ($1.value, -$1.row) : ($0.value, $0.row) < ($1.value, $1.row) }
                .prefix(5)
            #expect(found.map(\.row) == expected.map(\.row), "\(measure) from row \(query)")
            for (a, b) in zip(found, expected) { #expect(abs(a.value - b.value) <= 1e-9 * max(1, abs(b.value))) }
        }
    }

    @Test func tiesGoToTheLowerRowAndTheQueryIsLeftOut() {
        // Rows 1..6 all at distance 1 from row 0.
        let m = Matrix<Float>(rows: [[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1], [1, 0], [0, 1], [3, 3]])
        let found = PointNeighbours.nearest(to: 0, in: m, measure: .euclidean)
        #expect(found.map(\.row) == [1, 2, 3, 4, 5])
        #expect(PointNeighbours.nearest(to: 0, in: Matrix<Float>(rows: [[1, 2]]), measure: .cosine).isEmpty)
        #expect(PointNeighbours.nearest(to: 5, in: m, measure: .cosine, count: 0).isEmpty)
    }

    @Test func theLossMetricPicksTheMeasure() {
        #expect(PointNeighbours.Measure.of(metric: "euclidean") == .euclidean)
        #expect(PointNeighbours.Measure.of(metric: "manhattan") == .manhattan)
        #expect(PointNeighbours.Measure.of(metric: "cosine") == .cosine)
        #expect(PointNeighbours.Measure.of(metric: "cos_sim") == .cosine)
        #expect(PointNeighbours.Measure.of(metric: "pairwise_cos_sim") == .cosine)
        #expect(PointNeighbours.Measure.of(metric: "dot_score") == .dot)
        #expect(PointNeighbours.Measure.of(metric: nil) == .euclidean)
    }

    /// The snapshot carries the cursor's neighbours among the view's items, in the session's
    /// current embedding and the loss's metric, with their texts.
    @Test func aSnapshotCarriesTheCursorsNeighbours() throws {
        let session = Session(workingDirectory: "/tmp")
        for line in ["load text:topics", "set batch_size=16", "step 2"] { _ = try session.apply(Command.parse(line)) }
        let dataset = session.dataset!
        let groups = TrainingSnapshot.groups(dataset)
        let sample = DisplaySample(groups: groups, seed: 0)
        let items = EmbeddingView.items(sample: sample, lookedAt: session.lastBatch!.items.joined())
        let embeddings = session.model!.encoder.forward(items: items).embeddings
        let metric = TrainingSnapshot.metric(of: session)
        let neighbours = TrainingSnapshot.neighbours(of: 7, items: items, embeddings: embeddings, texts: dataset.texts,
                                                     itemCount: dataset.itemCount, metric: metric)
        let view = EmbeddingView(items: items, groups: items.map { groups[$0] }, positions: items.map { _ in (x: 0.0, y: 0.0) },
                                 sampleCount: sample.items.count, itemCount: dataset.itemCount, axes: Projection.Axes(), directions: [],
                                 cursor: neighbours)
        var status = TrainerStatus()
        status.cursorItem = 7
        let snapshot = TrainingSnapshot.make(session: session, status: status, view: view)
        let cursor = try #require(snapshot.cursor)
        let measure = PointNeighbours.Measure.of(metric: snapshot.lossParameter(.metric)?.value)
        #expect(cursor.item == 7 && cursor.measure == measure && cursor.dimension == embeddings.cols)
        #expect(cursor.searched == items.count && cursor.itemCount == dataset.itemCount)
        let expected = PointNeighbours.nearest(to: items.firstIndex(of: 7)!, in: embeddings, measure: measure)
        #expect(cursor.neighbours.map(\.item) == expected.map { items[$0.row] })
        #expect(cursor.text == dataset.texts?[7] && cursor.text != nil)
        #expect(cursor.neighbours.allSatisfy { $0.text == dataset.texts?[$0.item] })
        status.cursorItem = nil
        #expect(TrainingSnapshot.make(session: session, status: status, view: view).cursor == nil)
        status.cursorItem = 8
        #expect(TrainingSnapshot.make(session: session, status: status, view: view).cursor == nil, "the view's neighbours are another item's")
        #expect(TrainingSnapshot.neighbours(of: dataset.itemCount + 5, items: items, embeddings: embeddings, texts: nil,
                                            itemCount: dataset.itemCount, metric: metric) == nil,
                "an item not in the view has no neighbours")
    }
}
