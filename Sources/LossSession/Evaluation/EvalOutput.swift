import Foundation
import LossData
import LossKit

extension EvalJob.Outcome {
    /// One JSON object: loss, parameters, counts, and with `mined` the tuples. Non-finite
    /// numbers are null with a `_reason` field beside them (see `JSONText`).
    public func json(includeMined: Bool) -> String {
        var fields = JSONText.numberField("loss", result.value)
        if !result.terms.isEmpty {
            fields.append(("terms", JSONText.object(result.terms.flatMap { JSONText.numberField($0.name, $0.value) })))
        }
        fields += [
            ("loss_name", JSONText.string(sum?.className ?? loss.className)),
            ("reference", JSONText.string(reference.rawValue)),
            ("parameters", JSONText.object(parameters.map { ($0.name, JSONText.string($0.value)) })),
            ("counts", Self.counts(result.mining.counts)),
        ]
        fields += JSONText.numbersField("gradient_norms", result.columnGradients.map(\.norm))
        if initializedWeights { fields.append(("initialized_parameters", "true")) }
        if !notes.isEmpty { fields.append(("notes", JSONText.array(notes.map(JSONText.string)))) }
        if includeMined {
            fields.append(("tuple_kind", JSONText.string(result.mining.kind.rawValue)))
            fields.append(("mined", JSONText.array(result.mining.tuples.map(Self.tuple))))
        }
        return JSONText.object(fields)
    }

    /// grad_input_<i>.npy per column and grad_<name>.npy per parameter, float64, in the
    /// shapes of the inputs, written as one set (all new files, or all old ones).
    public func writeGradients(to directory: String) throws {
        try SafeWriter.makeDirectory(directory)
        var files: [PendingFile] = []
        for (index, gradient) in result.columnGradients.enumerated() {
            let path = "\(directory)/grad_input_\(index).npy"
            files.append(try NumpyFile.pendingFile(NumpyArray(shape: columnShapes[index], dtype: .float64, storage: .floats64(gradient.values)),
                                                   path: path))
        }
        for (name, gradient) in result.parameterGradients.sorted(by: { $0.key < $1.key }) {
            let path = "\(directory)/grad_\(name).npy"
            files.append(try NumpyFile.pendingFile(NumpyArray(shape: weightShapes[name] ?? gradient.shape, dtype: .float64,
                                                              storage: .floats64(gradient.values)), path: path))
        }
        try SafeWriter.write(files)
    }
}

extension EvalJob.Outcome {
    /// The loss's settings; a sum's every term's under `losses.<k>.` names.
    var parameters: [(name: String, value: String)] {
        guard let sum else { return loss.settings }
        return sum.terms.enumerated().flatMap { index, term in term.loss.settings.map { (sum.weightPrefix(index) + $0.name, $0.value) } }
    }

    static func counts(_ counts: MiningCounts) -> String {
        JSONText.object([("valid", "\(counts.valid)"), ("used", "\(counts.used)"), ("active", "\(counts.active)"),
                         ("easy", "\(counts.easy)"), ("semi_hard", "\(counts.semiHard)"), ("hard", "\(counts.hard)")])
    }

    static func tuple(_ tuple: MinedTuple) -> String {
        var fields: [(String, String)] = [("anchor", "\(tuple.anchor)"), ("positive", "\(tuple.positive)")]
        if let negative = tuple.negative { fields.append(("negative", "\(negative)")) }
        fields += JSONText.numberField("positive_score", tuple.positiveScore)
        if let score = tuple.negativeScore { fields += JSONText.numberField("negative_score", score) }
        fields += JSONText.numberField("loss", tuple.loss)
        if let hardness = tuple.hardness { fields.append(("hardness", JSONText.string(hardness.rawValue))) }
        if let label = tuple.label { fields += JSONText.numberField("label", label) }
        if tuple.fallback { fields.append(("fallback", "true")) }
        return JSONText.object(fields)
    }
}
