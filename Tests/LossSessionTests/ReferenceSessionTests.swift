import Testing
import LossKit
@testable import LossSession

/// `set reference=` in a notebook: the session's losses follow the chosen release.
@Suite struct ReferenceSessionTests {
    func session(_ lines: [String]) throws -> Session {
        let session = Session(workingDirectory: "/tmp")
        for line in lines { _ = try session.apply(Command.parse(line)) }
        return session
    }

    func message(_ session: Session, _ line: String) -> String {
        do { _ = try session.apply(Command.parse(line)); return "" } catch { return "\(error)" }
    }

    @Test func theDefaultIsTodaysRelease() throws {
        let session = try session(["load toy:blobs classes=3 per_class=6 dim=4"])
        #expect(session.settings.reference == .v6_2_0)
        #expect(session.settings.summary.contains { $0.0 == "reference" && $0.1 == "6.2.0" })
    }

    @Test func anOlderReferenceRefusesALossItLacksAndKeepsTheSession() throws {
        let session = try session(["load text:scored", "loss CoSENTLoss scale=10"])
        let text = message(session, "set reference=1.2.0")
        #expect(text.contains("CoSENTLoss is not in sentence-transformers 1.2.0"), "\(text)")
        #expect(session.settings.reference == .v6_2_0 && session.loss.className == "CoSENTLoss")
        _ = try session.apply(Command.parse("loss CosineSimilarityLoss"))
        _ = try session.apply(Command.parse("set reference=1.2"))
        #expect(session.settings.reference == .v1_2_0)
        #expect(message(session, "loss CoSENTLoss").contains("is not in sentence-transformers 1.2.0"))
        #expect(message(session, "set reference=4.0").contains("reference '4.0' is not one LossLab reproduces"))
    }

    @Test func changingTheReferenceKeepsTheLossAndItsSettings() throws {
        let session = try session(["load toy:blobs classes=3 per_class=6 dim=4", "loss BatchHardTripletLoss margin=2", "step 2",
                                   "set reference=1.2.0"])
        #expect(session.loss.className == "BatchHardTripletLoss" && session.loss.value(of: .margin) == "2.0")
        #expect(session.stepIndex == 2, "a reference change is not a reset")
    }
}
