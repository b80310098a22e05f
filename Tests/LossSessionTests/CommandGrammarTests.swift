import LossSession
import Testing

/// Paths with spaces, quotes or `=` work when quoted, in every command; a `# comment` may end
/// any line.
@Suite struct CommandGrammarTests {
    @Test func quotedPathsKeepSpacesQuotesAndEquals() throws {
        #expect(try Command.parse(#"save "my runs/a=b.lab""#) == .save(path: "my runs/a=b.lab"))
        #expect(try Command.parse(#"save 'it''s.lab'"#) == .save(path: "its.lab"))
        #expect(try Command.parse(#"save "say \"hi\" \\ there.lab""#) == .save(path: #"say "hi" \ there.lab"#))
        #expect(try Command.parse(#"export metrics.csv "out dir/m #1.csv""#) == .export(what: "metrics.csv", path: "out dir/m #1.csv"))
        #expect(try Command.parse(#"load "my data.npy" labels="my labels=1.tsv""#)
                == .load(source: "my data.npy", options: ["labels": "my labels=1.tsv"]))
    }

    @Test func aCommentMayEndAnyLine() throws {
        #expect(try Command.parse("step 5 # five more") == .step(5))
        #expect(try Command.parse("loss TripletLoss triplet_margin=1   # smaller margin") == .loss(name: "TripletLoss", settings: ["triplet_margin": "1"]))
        #expect(try Command.parse("expect loss < 0.5 # should hold") == .expect(try Expectation.parse("loss < 0.5")))
        // `#` inside a word is not a comment.
        #expect(try Command.parse("save run#2.lab") == .save(path: "run#2.lab"))
    }

    @Test func comparisonsAreNotOptions() throws {
        for op in ["<", "<=", ">", ">=", "=="] {
            let command = try Command.parse("expect loss \(op) 2")
            guard case .expect(let expectation) = command else { Issue.record("not an expectation: \(command)"); continue }
            #expect(expectation.comparison.rawValue == op)
        }
    }

    @Test func messagesNameOnlyWhatExists() {
        #expect(throws: CommandError.self) { try Command.parse("load") }
        do { _ = try Command.parse("load") } catch {
            for source in DatasetCatalog.builtIns { #expect("\(error)".contains(source)) }
        }
        do { _ = try Command.parse("show") } catch {
            for topic in SessionReport.topics { #expect("\(error)".contains(topic)) }
        }
    }
}
