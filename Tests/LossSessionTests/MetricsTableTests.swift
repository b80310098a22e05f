@testable import LossSession
import Testing

@Suite struct MetricsTableTests {
    /// A loss change halfway gives the later steps metrics the earlier ones lack (and the
    /// other way round): every column is there once, each value under its own name.
    @Test func aLossChangedHalfwayKeepsEveryColumnUnderItsName() throws {
        let session = Session(workingDirectory: "/tmp")
        for line in ["load toy:blobs classes=3 per_class=8 dim=4", "encoder linear dim=3", "set batch_size=12",
                     "loss BatchHardTripletLoss", "step 2", "loss BatchSemiHardTripletLoss", "step 2"] {
            _ = try session.apply(Command.parse(line))
        }
        let (header, rows) = Exporter.metricsTable(session)
        #expect(Set(header).count == header.count)
        #expect(rows.count == 4 && rows.allSatisfy { $0.count == header.count })
        for (row, record) in zip(rows, session.history) {
            for (name, value) in record.metrics {
                #expect(row[header.firstIndex(of: name)!] == Exporter.format(value), "\(name) at step \(record.step)")
            }
            let names = Set(record.metrics.map(\.0))
            for (column, name) in header.enumerated() where !names.contains(name) && !name.hasPrefix("grad_norm.") && !name.hasPrefix("heldout_") {
                #expect(row[column] == "", "\(name) at step \(record.step)")
            }
        }
        // The run that showed it: before, the export failed with "row 2 has more fields than the header".
        #expect(Set(session.history[0].metrics.map(\.0)) != Set(session.history[3].metrics.map(\.0)))
    }
}
