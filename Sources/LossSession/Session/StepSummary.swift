import Foundation

extension Session {
    /// The output of a `step N` cell that began at step `first`: the last step's loss,
    /// gradient norm and active share, a held-out evaluation taken meanwhile, the duel's
    /// loss and the warnings.
    public func describeSteps(since first: Int) -> String {
        guard let last = history.last, last.step > first else { return "no step taken" }
        let evaluation = evaluations.last.map { $0.step > first ? " | " + $0.summary : "" } ?? ""
        let duel = rival.map { " | duel " + $0.duelStatus } ?? ""
        return String(format: "step %d: loss %.5g, |grad| %.3g, active %d/%d", last.step, last.loss, last.gradientNorm,
                      last.counts.active, last.counts.used) + evaluation
            + duel + (warnings.isEmpty ? "" : "\nwarning: " + warnings.joined(separator: "\nwarning: "))
    }
}
