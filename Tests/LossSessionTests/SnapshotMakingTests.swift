import Testing
import LossKit
@testable import LossSession

/// `TrainingSnapshot.make` is a pure function of the session, the trainer's status and the view.
@Suite struct SnapshotMakingTests {
    func trainedSession() throws -> Session {
        let session = Session(workingDirectory: "/tmp")
        for line in ["load toy:blobs classes=3 per_class=8 dim=4", "set batch_size=12", "step 3"] {
            _ = try session.apply(Command.parse(line))
        }
        return session
    }

    @Test func aSnapshotCarriesTheSessionAndTheStatus() throws {
        let session = try trainedSession()
        var status = TrainerStatus()
        status.version = 7
        status.message = "step 3: loss 1"
        status.queuedCells = 2
        let snapshot = TrainingSnapshot.make(session: session, status: status, view: nil)
        #expect(snapshot.version == 7 && snapshot.step == 3 && snapshot.state == .paused)
        #expect(snapshot.history.count == 3 && snapshot.queuedCells == 2 && snapshot.message == "step 3: loss 1")
        #expect(snapshot.lossName == LossCatalog.sessionDefault.className)
        #expect(snapshot.lossFits.map(\.name) == SessionLoss.all.map { $0.className })
        #expect(snapshot.lossFits.first { $0.name == "TripletLoss" }?.mismatch?.contains("needs triplets") == true)
        #expect(snapshot.points.isEmpty, "no view, no points")
        #expect(snapshot.heldOutUntrained?.contains("table encoder") == true)
        _ = try session.apply(Command.parse("encoder linear dim=4"))
        #expect(TrainingSnapshot.make(session: session, status: status, view: nil).heldOutUntrained == nil)
    }

    @Test func theViewGivesPointsAndForcesForTheBatch() throws {
        let session = try trainedSession()
        let items = session.dataset!.itemCount
        let groups = TrainingSnapshot.groups(session.dataset!)
        let sample = DisplaySample(groups: groups, seed: session.settings.seed)
        #expect(sample.items == Array(0..<items) && sample.isWhole)
        let drawn = EmbeddingView.items(sample: sample, lookedAt: session.lastBatch!.items.joined())
        #expect(drawn == sample.items)
        let positions = drawn.map { (x: Double($0), y: Double(-$0)) }
        let view = EmbeddingView(items: drawn, groups: drawn.map { groups[$0] }, positions: positions, sampleCount: sample.items.count,
                                 counts: sample.counts, itemCount: items, axes: Projection.Axes(), directions: [[1, 0, 0, 0], [0, 1, 0, 0]])
        var status = TrainerStatus()
        status.running = true
        let snapshot = TrainingSnapshot.make(session: session, status: status, view: view)
        #expect(snapshot.state == .running && !snapshot.isSampled)
        #expect(snapshot.points.count == items && snapshot.points[5].x == 5 && snapshot.points[5].y == -5)
        #expect(snapshot.points.filter(\.inBatch).count == Set(session.lastBatch!.items.flatMap { $0 }).count)
        #expect(!snapshot.forces.isEmpty || !snapshot.idleItems.isEmpty)
        // The same inputs, the same snapshot.
        let again = TrainingSnapshot.make(session: session, status: status, view: view)
        #expect(again.points == snapshot.points && again.forces == snapshot.forces)
    }

    /// A sample smaller than the data: the batch's items and the cursor's are drawn even when
    /// the sample missed them, the counts are the sample's, and the cursor's neighbours are
    /// searched among everything drawn.
    @Test func aSampleStillDrawsTheItemsLookedAt() throws {
        let session = try trainedSession()
        let dataset = session.dataset!
        let groups = TrainingSnapshot.groups(dataset)
        let sample = DisplaySample(groups: groups, limit: 6, seed: session.settings.seed)
        let batch = Set(session.lastBatch!.items.joined())
        let cursor = try #require((0..<dataset.itemCount).first { !sample.contains($0) && !batch.contains($0) })
        let items = EmbeddingView.items(sample: sample, lookedAt: Array(batch) + [cursor])
        let encoder = session.model!.encoder
        let job = ProjectionWorker.Job(identity: "test", sample: sample, groups: groups, items: items, source: .encoder(encoder),
                                       cursor: cursor, metric: "euclidean", texts: nil)
        var projection = Projection()
        let view = ProjectionWorker.project(job, with: &projection)
        var status = TrainerStatus()
        status.cursorItem = cursor
        let snapshot = TrainingSnapshot.make(session: session, status: status, view: view)
        #expect(snapshot.isSampled && snapshot.sampledPoints == 6 && snapshot.itemCount == dataset.itemCount)
        #expect(snapshot.pointCounts == sample.counts && sample.counts.map(\.shown) == [2, 2, 2])
        #expect(batch.union([cursor]).isSubset(of: Set(snapshot.pointItems)))
        #expect(snapshot.points.filter(\.inBatch).count == batch.count)
        #expect(snapshot.points.map(\.group) == snapshot.pointItems.map { dataset.itemClasses![$0] })
        let found = try #require(snapshot.cursor)
        #expect(found.item == cursor && found.searched == items.count)
        let embeddings = encoder.forward(items: items).embeddings
        #expect(found.neighbours.map(\.item) == PointNeighbours.nearest(to: items.firstIndex(of: cursor)!, in: embeddings, measure: .euclidean).map { items[$0.row] })
        // The same job projected again from a fresh projection gives the same view.
        var fresh = Projection()
        let again = ProjectionWorker.project(job, with: &fresh)
        #expect(again.positions.map(\.x) == view.positions.map(\.x) && again.positions.map(\.y) == view.positions.map(\.y))
        // A table's rows handed over give the view its encoder would.
        let given = ProjectionWorker.Job(identity: "test", sample: sample, groups: groups, items: items, source: .embeddings(embeddings),
                                         cursor: nil, metric: nil, texts: nil)
        var third = Projection()
        #expect(ProjectionWorker.project(given, with: &third).positions.map(\.x) == view.positions.map(\.x))
    }

    /// The projection keeps the sample's input vectors between views; the embeddings are the
    /// encoder's own for every item, the looked-at ones after the sample included, and a new
    /// sample is gathered afresh.
    @Test(arguments: ["linear dim=3", "mlp hidden=5 dim=3 layers=2"])
    func theKeptSampleInputsGiveTheEncodersEmbeddings(encoderChoice: String) throws {
        let session = Session(workingDirectory: "/tmp")
        for line in ["load toy:blobs classes=3 per_class=8 dim=4", "encoder \(encoderChoice)", "set batch_size=12", "step 3"] {
            _ = try session.apply(Command.parse(line))
        }
        let encoder = session.model!.encoder
        #expect(encoder.gatherInputs([0, 1]) != nil)
        let count = session.dataset!.itemCount
        var inputs = SampleInputs()
        let first = Array(0..<(count / 2)), extra = [count - 1, count - 2]
        for (items, sampleCount) in [(first + extra, first.count), (first, first.count), (first + [count - 3], first.count),
                                     (Array(1..<count), count - 2)] {
            let kept = inputs.embed(items, sampleCount: sampleCount, with: encoder)
            #expect(kept == encoder.forward(items: items).embeddings)
        }
    }

    @Test func theTokenLevelLossIsItsOwnCase() throws {
        if case .tokens(let loss) = try SessionLoss.make("losses.DenoisingAutoEncoderLoss", settings: ["deletion_ratio": "0.3"]) {
            #expect(loss.deletionRatio == 0.3)
        } else {
            Issue.record("DenoisingAutoEncoderLoss is not the token-level case")
        }
        #expect(try SessionLoss.make("TripletLoss").embeddingLoss != nil)
        #expect(SessionLoss.all.count == LossCatalog.all.count + 1)
    }

    @Test func theViewIsBoundedWhateverTheDatasetsSize() {
        let batch: Set<Int> = [1, 3, 99_999, 500_001]
        let sample = DisplaySample(groups: (0..<1_000_000).map { $0 % 10 }, seed: 0)
        let items = EmbeddingView.items(sample: sample, lookedAt: batch)
        #expect(sample.items.count == DisplaySample.defaultLimit)
        #expect(items.count <= DisplaySample.defaultLimit + batch.count)
        #expect(batch.isSubset(of: Set(items)), "the batch's items are always projected")
    }
}
