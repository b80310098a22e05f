import Foundation
import LossData
import LossKit

extension EvalJob.Outcome {
    /// One JSON object: loss, parameters, counts, and with `mined` the tuples.
    public func json(includeMined: Bool) -> String {
        var fields: [(String, String)] = [
            ("loss", JSONText.number(result.value)),
            ("loss_name", JSONText.string(loss.className)),
            ("parameters", JSONText.object(loss.settings.map { ($0.name, JSONText.string($0.value)) })),
            ("counts", JSONText.counts(result.mining.counts)),
            ("gradient_norms", JSONText.array(result.columnGradients.map { JSONText.number($0.norm) })),
        ]
        if initializedWeights { fields.append(("initialized_parameters", "true")) }
        if includeMined {
            fields.append(("tuple_kind", JSONText.string(result.mining.kind.rawValue)))
            fields.append(("mined", JSONText.array(result.mining.tuples.map(JSONText.tuple))))
        }
        return JSONText.object(fields)
    }

    /// grad_input_<i>.npy per column and grad_<name>.npy per parameter, float64, in the
    /// shapes of the inputs.
    public func writeGradients(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (index, gradient) in result.columnGradients.enumerated() {
            try NumpyFile.write(NumpyArray(shape: columnShapes[index], dtype: .float64, storage: .floats64(gradient.values)),
                                to: "\(directory)/grad_input_\(index).npy")
        }
        for (name, gradient) in result.parameterGradients.sorted(by: { $0.key < $1.key }) {
            let shape = weightShapes[name] ?? gradient.shape
            try NumpyFile.write(NumpyArray(shape: shape, dtype: .float64, storage: .floats64(gradient.values)),
                                to: "\(directory)/grad_\(name).npy")
        }
    }
}

/// Just enough JSON writing for the eval output. Non-finite numbers are written as NaN,
/// Infinity and -Infinity, which Python's json module reads.
enum JSONText {
    static func number<T: BinaryFloatingPoint>(_ value: T) -> String {
        let double = Double(value)
        if double.isNaN { return "NaN" }
        if double.isInfinite { return double > 0 ? "Infinity" : "-Infinity" }
        return "\(double)"
    }

    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    static func counts(_ counts: MiningCounts) -> String {
        object([("valid", "\(counts.valid)"), ("used", "\(counts.used)"), ("active", "\(counts.active)"),
                ("easy", "\(counts.easy)"), ("semi_hard", "\(counts.semiHard)"), ("hard", "\(counts.hard)")])
    }

    static func tuple(_ tuple: MinedTuple) -> String {
        var fields: [(String, String)] = [("anchor", "\(tuple.anchor)"), ("positive", "\(tuple.positive)")]
        if let negative = tuple.negative { fields.append(("negative", "\(negative)")) }
        fields.append(("positive_score", number(tuple.positiveScore)))
        if let score = tuple.negativeScore { fields.append(("negative_score", number(score))) }
        fields.append(("loss", number(tuple.loss)))
        if let hardness = tuple.hardness { fields.append(("hardness", string(hardness.rawValue))) }
        if let label = tuple.label { fields.append(("label", number(label))) }
        if tuple.fallback { fields.append(("fallback", "true")) }
        return object(fields)
    }
}
