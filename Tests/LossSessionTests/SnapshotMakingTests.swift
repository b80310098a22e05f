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
        let rows = EmbeddingView.rows(itemCount: items, batchItems: Set(session.lastBatch!.items.flatMap { $0 }))
        #expect(rows.shown == Array(0..<items))
        let positions = rows.projected.map { (x: Double($0), y: Double(-$0)) }
        let view = EmbeddingView(items: rows.projected, positions: positions, shownCount: rows.shown.count, axes: Projection.Axes(),
                                 directions: [[1, 0, 0, 0], [0, 1, 0, 0]])
        var status = TrainerStatus()
        status.running = true
        let snapshot = TrainingSnapshot.make(session: session, status: status, view: view)
        #expect(snapshot.state == .running)
        #expect(snapshot.points.count == items && snapshot.points[5].x == 5 && snapshot.points[5].y == -5)
        #expect(snapshot.points.filter(\.inBatch).count == Set(session.lastBatch!.items.flatMap { $0 }).count)
        #expect(!snapshot.forces.isEmpty || !snapshot.idleItems.isEmpty)
        // The same inputs, the same snapshot.
        let again = TrainingSnapshot.make(session: session, status: status, view: view)
        #expect(again.points == snapshot.points && again.forces == snapshot.forces)
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
        let rows = EmbeddingView.rows(itemCount: 1_000_000, batchItems: batch)
        #expect(rows.shown.count <= EmbeddingView.drawnLimit)
        #expect(rows.projected.count <= EmbeddingView.drawnLimit + batch.count)
        #expect(batch.isSubset(of: Set(rows.projected)), "the batch's items are always projected")
    }
}
