import Testing
@testable import LossKit

/// Reference versions: which names a parameter table accepts under each release.
@Suite struct LossReferenceTests {
    let table = [
        LossParameter("margin", .number, default: "1", "a parameter both releases have"),
        LossParameter("embedding_dimension", .wholeNumber(minimum: 1), default: nil, "renamed")
            .renamed(from: "sentence_embedding_dimension", in: .v6_2_0),
        LossParameter("projection_dim", .wholeNumber(minimum: 1), default: nil, "new").added(in: .v6_2_0),
    ]

    func read(_ values: [String: String], _ reference: LossReference) throws -> (Int?, Int?) {
        var settings = LossSettings(values, for: "Fake", parameters: table, reference: reference)
        _ = try settings.double("margin")
        let dimension = try settings.optionalInt("embedding_dimension")
        let projection = try settings.optionalInt("projection_dim")
        try settings.finish()
        return (dimension, projection)
    }

    func message(_ values: [String: String], _ reference: LossReference) -> String {
        do { _ = try read(values, reference); return "" } catch { return "\(error)" }
    }

    @Test func versionsParse() throws {
        #expect(LossReference(text: "1.2") == .v1_2_0 && LossReference(text: " v6.2.0 ") == .v6_2_0)
        #expect(LossReference(text: "5.0") == nil)
        #expect(LossReference.latest == .v6_2_0 && LossReference.v1_2_0 < .v6_2_0)
        #expect(message([:], .latest).isEmpty)
    }

    @Test func aRenamedParameterTakesEachReleasesName() throws {
        #expect(try read(["embedding_dimension": "8"], .v6_2_0).0 == 8)
        #expect(try read(["sentence_embedding_dimension": "8"], .v1_2_0).0 == 8)
        // 6.2.0 still takes the deprecated name, as the library does; the new name wins.
        #expect(try read(["sentence_embedding_dimension": "8"], .v6_2_0).0 == 8)
        #expect(try read(["sentence_embedding_dimension": "8", "embedding_dimension": "4"], .v6_2_0).0 == 4)
        let renamed = LossSettings.renamedNames(in: ["sentence_embedding_dimension": "8"], for: FakeLoss.self, reference: .v6_2_0)
        #expect(renamed.map(\.current) == ["embedding_dimension"])
        #expect(message(["embedding_dimension": "8"], .v1_2_0)
            == "Fake: embedding_dimension is called sentence_embedding_dimension in sentence-transformers 1.2.0; write sentence_embedding_dimension=8")
    }

    @Test func aNewParameterIsRefusedByTheOlderRelease() throws {
        #expect(try read(["projection_dim": "3"], .v6_2_0).1 == 3)
        #expect(message(["projection_dim": "3"], .v1_2_0)
            == "Fake: projection_dim is new in sentence-transformers 6.2.0; reference 1.2.0 does not have it (set reference=6.2.0)")
        #expect(message(["nope": "1"], .v1_2_0).contains("it takes margin, sentence_embedding_dimension"), "1.2.0 lists its own names")
    }

    @Test func theCatalogRefusesALossTheReferenceLacks() {
        for type in LossCatalog.all where !type.references.contains(.v1_2_0) {
            #expect(throws: LossError.self) { try LossCatalog.make(type.className, reference: .v1_2_0) }
            #expect(type.referenceDifference.hasPrefix("not in 1.2.0"))
        }
        for type in LossCatalog.all { #expect(type.references.contains(.latest), "\(type.className) must follow today's release") }
    }
}

/// A table-only loss for `renamedNames`, which reads a loss type's table.
private struct FakeLoss: LossDescription {
    static let className = "Fake"
    static let summary = ""
    static let parameters = LossReferenceTests().table
    static let inputSpec = LossInputSpec(columns: 1, labels: .none)
    var settings: [(name: String, value: String)] { [] }
    init(settings values: [String: String], reference: LossReference) throws {}
}
