import ArgumentParser
import LossKit

/// Until the explorer lands: a headless run that trains a free embedding table on toy blobs
/// with BatchHardTripletLoss and prints the loss as it falls.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Train a small embedding table on toy data and print the loss (headless).")

    @Option(help: "Optimizer steps.") var steps = 200
    @Option(help: "The loss (sentence-transformers class name).") var loss = "BatchHardTripletLoss"
    @Option(help: "Learning rate (plain SGD).") var lr = 0.5
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() throws {
        let demo = try ToyTraining(lossName: loss, seed: seed)
        print("LossLab demo: \(demo.loss.className) on 4 Gaussian blobs (64 points in 8-D), SGD lr=\(lr)")
        for step in 0...steps {
            let report = try demo.step(learningRate: lr)
            if step % max(steps / 10, 1) == 0 || step == steps {
                let c = report.counts
                print(String(format: "step %4d  loss %.5f  |grad| %.5f  active %d/%d  hard %d  semi-hard %d  easy %d",
                             step, report.value, report.gradientNorm, c.active, c.used, c.hard, c.semiHard, c.easy))
            }
        }
    }
}

import Foundation
