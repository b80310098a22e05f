import LossData
import LossKit
import LossSession
import Testing

/// The insight commands on constructed cases whose answer is known.
@Suite struct InsightTests {
    func run(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    @Test func rewindBranchesFromTheSameState() throws {
        let base = ["load toy:blobs spread=1.5 classes=4 per_class=10", "loss BatchHardTripletLoss margin=1", "set batch_size=16"]
        let straight = try run(base + ["step 27"]).session.history.map(\.loss)
        let rewound = try run(base + ["step 40", "rewind 23", "step 4"]).session
        #expect(rewound.stepIndex == 27)
        #expect(rewound.history.map(\.loss) == straight)
    }

    @Test func aDuelWithTheSameConfigurationMatchesStepForStep() throws {
        let runner = try run(["load toy:blobs classes=4 per_class=10", "loss BatchHardTripletLoss margin=1", "step 5",
                              "duel loss BatchHardTripletLoss margin=1", "step 10"])
        let rival = try #require(runner.session.rival)
        #expect(rival.history.map(\.loss) == runner.session.history.map(\.loss))
        try runner.execute("duel loss BatchHardTripletLoss margin=4")
        try runner.execute("step 5")
        let other = try #require(runner.session.rival)
        #expect(other.history.suffix(5).map(\.loss) != runner.session.history.suffix(5).map(\.loss))
        try runner.execute("duel off")
        #expect(runner.session.rival == nil)
    }

    @Test func aSingleClassBatchWarnsAndHasNoGradient() throws {
        let runner = try run(["load toy:blobs classes=3 per_class=10", "loss BatchHardTripletLoss margin=1",
                              "set sampler=random batch_size=1", "step 1"])
        #expect(runner.session.history.last?.gradientNorm == 0)
        #expect(runner.session.warnings.contains { $0.hasPrefix("single-class batch") })
        try runner.execute("set sampler=pk batch_size=12")
        try runner.execute("step 1")
        #expect(!runner.session.warnings.contains { $0.hasPrefix("single-class batch") })
    }

    @Test func aCosineMarginBeyondTwoWarns() throws {
        let runner = try run(["load toy:blobs", "loss BatchAllTripletLoss distance_metric=cosine margin=5", "step 1"])
        #expect(runner.session.warnings.contains { $0.contains("never reaches 0") })
    }

    @Test func duplicatesInAnMNRLBatchWarn() throws {
        let runner = try run(["load toy:blobs classes=3 per_class=20 duplicates=0.5 as=anchor-positive", "set sampler=random batch_size=40",
                              "step 3"])
        #expect(runner.session.warnings.contains { $0.hasPrefix("in-batch duplicates") })
    }

    @Test func pinnedBatchReportsWhatAChangeDoes() throws {
        let runner = try run(["load toy:blobs spread=1 classes=4 per_class=10", "loss BatchHardTripletLoss margin=0.5", "step 3", "pin"])
        let output = try runner.execute("loss BatchHardTripletLoss margin=3")
        #expect(output.contains("pinned batch: loss"))
        #expect(output.contains("census hard"))
        #expect(runner.session.stepIndex == 3, "a what-if takes no step")
    }
}
