import Foundation
import LossData
import LossKit
@testable import LossSession
import Testing

/// `export st-snippet`: the sentence-transformers 6.2 training script. (Whether it runs is
/// Tests/interop/check_training_script.py's to say, outside CI: it needs torch.)
@Suite struct TrainingScriptTests {
    /// The text source of each shape, as the interop check loads them.
    static let sources: [(DatasetShape, String)] = [
        (.labelledItems, "text:topics"), (.binaryPairs, "text:topics as=pairs"), (.scoredPairs, "text:scored"),
        (.classPairs, "text:nli"), (.anchorPositive, "text:pairs"), (.triplets, "text:triplets"),
        (.sentences, "text:sentences"),
    ]
    static let allLosses: [String] = SessionLoss.all.map { $0.className }

    func script(_ lines: [String]) throws -> (script: String, session: Session) {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return (TrainingScript.make(runner.session), runner.session)
    }

    func fits(_ loss: String, _ shape: DatasetShape) -> Bool {
        let spec = SessionLoss.all.first { $0.className == loss }!.inputSpec
        return shape.fits(spec) && (shape != .sentences || spec.needsText)
    }

    func expectCurrentAPI(_ text: String, _ context: String) {
        for part in ["from datasets import Dataset", "SentenceTransformer(args.model)", "SentenceTransformerTrainingArguments(",
                     "SentenceTransformerTrainer", "trainer = ", "trainer.train()", "model.save_pretrained(args.output_dir)",
                     "from sentence_transformers.sentence_transformer import losses",
                     "from sentence_transformers.base.sampler import BatchSamplers",
                     #"parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2""#,
                     #"parser.add_argument("--output-dir""#, #"parser.add_argument("--max-steps", type=int, default=-1"#,
                     "max_steps=args.max_steps,", "per_device_train_batch_size=", "learning_rate=", "lr_scheduler_type=",
                     "warmup_steps=", "weight_decay=", "max_grad_norm=", "optim=", "batch_sampler=BatchSamplers.", "seed=",
                     #"if __name__ == "__main__":"#] {
            #expect(text.contains(part), "\(context): no \(part)")
        }
        // 6.2 warns on the old module paths; the v2 fit API is gone from the script.
        for old in ["from sentence_transformers import losses", "from sentence_transformers.losses", "sentence_transformers.evaluation import",
                    "model.fit(", "InputExample", "DataLoader(", "teacher_model.encode"] {
            #expect(!text.contains(old), "\(context): has \(old)")
        }
    }

    @Test func everyLossOnEveryShapeItFitsWritesTheCurrentAPI() throws {
        var cases = 0
        for loss in Self.allLosses {
            for (shape, source) in Self.sources where fits(loss, shape) {
                let (text, session) = try script(["load \(source)", "loss \(loss)"])
                expectCurrentAPI(text, "\(loss) on \(source)")
                #expect(text.contains("loss = " + session.loss.scriptLoss(ScriptContext(classCount: 3)).callee + "(model"), "\(loss) on \(source)")
                // The session's own texts, not the example rows.
                #expect(!text.contains("EXAMPLE DATA"), "\(loss) on \(source)")
                let dataset = try #require(session.dataset)
                let first = try #require(session.model?.trainExamples.first)
                #expect(text.contains(ScriptLoss.pythonString(dataset.texts![dataset.examples[first][0]])), "\(loss) on \(source)")
                cases += 1
            }
            // Without data: the marked example of the first shape it fits.
            let (text, _) = try script(["loss \(loss)"])
            expectCurrentAPI(text, "\(loss) without data")
            #expect(text.contains("# EXAMPLE DATA: The session had no data loaded."), "\(loss)")
        }
        #expect(cases >= Self.allLosses.count)
    }

    @Test func columnsFollowSentenceTransformersConventions() throws {
        let expected: [DatasetShape: [String]] = [
            .labelledItems: ["sentence", "label"], .binaryPairs: ["sentence1", "sentence2", "label"],
            .scoredPairs: ["sentence1", "sentence2", "score"], .classPairs: ["premise", "hypothesis", "label"],
            .anchorPositive: ["anchor", "positive"], .triplets: ["anchor", "positive", "negative"], .teacherItems: ["sentence"],
        ]
        for (shape, source) in Self.sources where shape != .sentences {
            let loss = try #require(LossCatalog.all.first { shape.fits($0.inputSpec) })
            for lines in [["load \(source)", "loss \(loss.className)"], ["loss \(loss.className)"]] where lines.count == 2 || loss.inputSpec.minColumns == shape.columns {
                let session = try script(lines).session
                let data = TrainingScriptData.make(session, shape: shape, tokenLevel: false)
                #expect(data.train.map(\.name) == expected[shape]!, "\(lines)")
                #expect(data.test.map(\.name) == expected[shape]!, "\(lines)")
                #expect(!data.test[0].values.isEmpty && data.train.allSatisfy { $0.values.count == data.train[0].values.count }, "\(lines)")
            }
        }
    }

    @Test func theSessionsSplitIsTheScriptsSplit() throws {
        let (_, session) = try script(["load text:scored", "set test_fraction=0.25", "loss CoSENTLoss"])
        let data = TrainingScriptData.make(session, shape: .scoredPairs, tokenLevel: false)
        let model = try #require(session.model)
        #expect(data.train[0].values.count == model.trainExamples.count)
        #expect(data.test[0].values.count == model.testExamples.count)
        let dataset = session.dataset!
        #expect(data.test[2].values == model.testExamples.map { ScriptLoss.pythonNumber(dataset.labels[$0]) })
    }

    @Test func exampleDataHasTwoClassesOrMore() throws {
        for shape in DatasetShape.allCases where shape.labels == .classes || shape.labels == .binary {
            let data = TrainingScriptData.example(shape: shape, tokenLevel: false, vectors: nil)
            for split in [data.train, data.test] {
                let labels = Set(try #require(split.first { $0.name == "label" }).values)
                #expect(labels.count >= 2, "\(shape)")
            }
        }
        let (text, _) = try script(["load toy:blobs", "loss BatchHardTripletLoss"])
        #expect(text.contains("# EXAMPLE DATA: LossLab trained on blobs (6 classes x 30, 8-D, seed 1)"))
    }

    @Test func onlyNonDefaultHyperparametersAreWritten() throws {
        #expect(try script(["loss TripletLoss"]).script.contains("loss = losses.TripletLoss(model)\n"))
        let triplet = try script(["loss TripletLoss distance_metric=cosine triplet_margin=1"]).script
        #expect(triplet.contains("losses.TripletLoss(model, distance_metric=losses.TripletDistanceMetric.COSINE, triplet_margin=1.0)"))
        let contrastive = try script(["loss ContrastiveLoss distance_metric=manhattan size_average=false"]).script
        #expect(contrastive.contains("losses.ContrastiveLoss(model, distance_metric=losses.SiameseDistanceMetric.MANHATTAN, size_average=False)"))
        let batch = try script(["loss BatchAllTripletLoss distance_metric=cosine margin=0.2"]).script
        #expect(batch.contains("losses.BatchAllTripletLoss(model, distance_metric=losses.BatchHardTripletLossDistanceFunction.cosine_distance, margin=0.2)"))
        let mnrl = try script(["loss MultipleNegativesRankingLoss similarity_fct=dot_score scale=5"]).script
        #expect(mnrl.contains("losses.MultipleNegativesRankingLoss(model, scale=5.0, similarity_fct=util.dot_score)"))
        #expect(mnrl.contains("from sentence_transformers import util"))
        let cosent = try script(["loss CoSENTLoss similarity_fct=pairwise_angle_sim"]).script
        #expect(cosent.contains("losses.CoSENTLoss(model, similarity_fct=util.pairwise_angle_sim)"))
        #expect(!(try script(["loss CoSENTLoss"]).script.contains("import util")))
        // A LossLab-only option (1.2.0 reference) becomes a note, not an argument.
        let mega = try script(["set reference=1.2.0", "loss MegaBatchMarginLoss mini_batch_size=8 backprop_all_mini_batches=true"]).script
        #expect(mega.contains("losses.MegaBatchMarginLoss(model, mini_batch_size=8)"))
        #expect(mega.contains("# backprop_all_mini_batches=true is LossLab's own"))
        #expect(try script(["loss CosineSimilarityLoss"]).script.contains("losses.CosineSimilarityLoss(model)\n"))
    }

    @Test func constructorsThat62Requires() throws {
        let softmax = try script(["load text:nli", "loss SoftmaxLoss concatenation_sent_multiplication=true"]).script
        #expect(softmax.contains("losses.SoftmaxLoss(model, embedding_dimension=model.get_embedding_dimension(), num_labels=3, concatenation_sent_multiplication=True)"))
        #expect(try script(["loss SoftmaxLoss num_labels=5"]).script.contains("num_labels=5"))
        // 6.2 deprecates the symmetric classes; the script writes their replacement (checked equal on 6.2).
        let symmetric = try script(["load text:pairs", "loss CachedMultipleNegativesSymmetricRankingLoss scale=10"]).script
        #expect(symmetric.contains("losses.CachedMultipleNegativesRankingLoss(model, directions=(\"query_to_doc\", \"doc_to_query\"), partition_mode=\"per_direction\", scale=10.0"))
        #expect(!symmetric.contains("losses.CachedMultipleNegativesSymmetricRankingLoss("))
        #expect(try script(["load text:pairs", "loss GISTEmbedLoss"]).script.contains("losses.GISTEmbedLoss(model, guide=SentenceTransformer(args.model))"))
        // (No built-in text data has teacher embeddings: the example rows, labelled by the teacher.)
        let mse = try script(["loss MSELoss"]).script
        #expect(mse.contains("losses.MSELoss(model)") && mse.contains(#"teacher = SentenceTransformer(args.teacher or args.model)"#))
        #expect(mse.contains(#"parser.add_argument("--teacher""#) && mse.contains("MSEEvaluator("))
        let tsdae = try script(["load text:sentences", "loss DenoisingAutoEncoderLoss deletion_ratio=0.3"]).script
        #expect(tsdae.contains("loss = losses.DenoisingAutoEncoderLoss(model)\n"))
        #expect(tsdae.contains("DELETION_RATIO = 0.3") && tsdae.contains("train_dataset = add_deletion_noise(train_dataset)"))
        let mined = try script(["load text:topics", "loss MinedTripletLoss miner=hard"]).script
        #expect(mined.contains("loss = MinedTripletLoss(model)") && mined.contains("class MinedTripletLoss(torch.nn.Module):"))
        #expect(mined.contains("def make_pml_loss():") && mined.contains("pml_losses.TripletMarginLoss("))
    }

    @Test func trainingArgumentsFollowTheSession() throws {
        let pk = try script(["load text:topics", "loss BatchHardTripletLoss", "set optimizer=sgd lr=0.5 batch_size=8 seed=7"]).script
        for part in ["batch_sampler=BatchSamplers.GROUP_BY_LABEL", #"optim="sgd""#, "learning_rate=0.5", "per_device_train_batch_size=8", "seed=7"] {
            #expect(pk.contains(part), "\(part)")
        }
        let plainAdam = try script(["loss TripletLoss"]).script
        #expect(plainAdam.contains("trainer = SentenceTransformerTrainer(") && plainAdam.contains(#"optim="adamw_torch",  # LossLab's adam: without weight decay"#))
        let noDuplicates = try script(["load text:pairs", "loss MultipleNegativesRankingLoss", "set sampler=no-duplicates optimizer=adamw"]).script
        #expect(noDuplicates.contains("batch_sampler=BatchSamplers.NO_DUPLICATES") && noDuplicates.contains(#"optim="adamw_torch""#))
        #expect(noDuplicates.contains("weight_decay=0.01") && noDuplicates.contains("trainer = SentenceTransformerTrainer("))
        let adam = try script(["load text:pairs", "loss MultipleNegativesRankingLoss", "set optimizer=adam weight_decay=0.1 schedule=warmuplinear warmup=5 max_grad_norm=2"]).script
        for part in ["trainer = AdamTrainer(", "return torch.optim.Adam, kwargs", #"lr_scheduler_type="linear""#, "warmup_steps=5",
                     "max_grad_norm=2.0", "weight_decay=0.1", "batch_sampler=BatchSamplers.BATCH_SAMPLER"] {
            #expect(adam.contains(part), "\(part)")
        }
        let momentum = try script(["loss TripletLoss", "set optimizer=momentum momentum=0.5 schedule=warmupcosine"]).script
        #expect(momentum.contains(#"optim_args="momentum=0.5""#) && momentum.contains(#"lr_scheduler_type="cosine""#))
        #expect(momentum.contains("max_grad_norm=0,  # LossLab's max_grad_norm=none"))
    }

    @Test func evaluatorsMatchTheHeldOutMetric() throws {
        let expected: [DatasetShape: String] = [
            .labelledItems: "InformationRetrievalEvaluator", .binaryPairs: "BinaryClassificationEvaluator",
            .scoredPairs: "EmbeddingSimilarityEvaluator", .classPairs: "ClassifierAccuracyEvaluator(SentenceEvaluator)",
            .anchorPositive: "InformationRetrievalEvaluator", .triplets: "TripletEvaluator", .teacherItems: "MSEEvaluator",
        ]
        for (shape, source) in Self.sources + [(.teacherItems, "")] where shape != .sentences {
            let loss = try #require(LossCatalog.all.first { shape.fits($0.inputSpec) })
            let text = try script((source.isEmpty ? [] : ["load \(source)"]) + ["loss \(loss.className)"]).script
            #expect(text.contains(expected[shape]!), "\(shape)")
            #expect(text.contains("evaluator=evaluator,") && text.contains("print(evaluator(model))"), "\(shape)")
        }
        // Sentences with topics: topic retrieval; sentences without: the held-out loss only.
        let topics = try script(["load text:sentences", "loss DenoisingAutoEncoderLoss"]).script
        #expect(topics.contains("InformationRetrievalEvaluator(") && topics.contains(#"train_dataset["text"]"#))
        let texts = TrainingScriptData.Column(name: "text", values: [#""a""#, #""b""#])
        let plain = TrainingScriptData(train: [texts], test: [texts], isExample: false, notes: [], classCount: nil, textColumn: "text")
        #expect(TrainingScriptEvaluator.make(shape: .sentences, tokenLevel: true, data: plain) == nil)
    }

    @Test func nothingHeldOutMeansNoEvaluator() throws {
        let text = try script(["load text:scored", "set test_fraction=0", "loss CoSENTLoss"]).script
        #expect(text.contains("eval_dataset = None  # nothing held out (test_fraction=0)"))
        #expect(text.contains(#"eval_strategy="no",  # nothing held out"#))
        #expect(!text.contains("evaluator = ") && !text.contains("Evaluator"))
    }

    @Test func pythonStringsEscapeWhatPythonNeeds() {
        #expect(ScriptLoss.pythonString(#"say "hi" \ now"#) == #""say \"hi\" \\ now""#)
        #expect(ScriptLoss.pythonString("a\nb\tc\u{2028}d\u{7}") == #""a\nb\tc\u2028d\u0007""#)
        #expect(ScriptLoss.pythonString("naïve — 日本") == "\"naïve — 日本\"")
        #expect(ScriptLoss.pythonNumber(.infinity) == #"float("inf")"#)
    }

    /// Issue 12: the exporter knows shapes, not losses.
    @Test func theExporterNamesNoLoss() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/LossSession/Notebook")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("TrainingScript") }
        #expect(files.count >= 3)
        for file in files {
            let code = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            for name in Self.allLosses {
                #expect(!code.contains(name), "\(file) names \(name)")
            }
        }
    }

    @Test func relativeExportsLandInTheExportDirectory() throws {
        let root = NSTemporaryDirectory() + "losslab-script-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runner = NotebookRunner(session: Session(workingDirectory: root))
        runner.exportDirectory = root + "/out"
        try runner.execute("loss TripletLoss")
        try runner.execute("export st-snippet train.py")
        try runner.execute("export st-snippet")
        #expect(FileManager.default.fileExists(atPath: root + "/out/train.py"))
        #expect(FileManager.default.fileExists(atPath: root + "/out/train_st.py"))
        #expect(!FileManager.default.fileExists(atPath: root + "/train.py"))
    }
}
