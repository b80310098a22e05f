import Foundation
import LossKit
import LossSession

/// The rows of the hyperparameter panel: every parameter of the loss, encoder, optimizer
/// and sampler under its sentence-transformers / `set` name, and the command that changes it.
public struct ParameterRow: Equatable, Sendable {
    public enum Group: String, Sendable { case loss, encoder, training }
    public var group: Group
    public var name: String
    public var value: String
    /// The values `+`/`-` cycle through, for a choice.
    public var choices: [String]?

    public init(group: Group, name: String, value: String, choices: [String]? = nil) {
        self.group = group
        self.name = name
        self.value = value
        self.choices = choices ?? Self.settingChoices[name]
    }

    /// The command that sets this row to `newValue`, given the snapshot it came from.
    public func command(setting newValue: String, in snapshot: TrainingSnapshot) -> String {
        switch group {
        case .loss where snapshot.lossSpec.isSum:
            return "loss " + snapshot.lossSpec.setting(name, to: newValue).text
        case .loss:
            let others = snapshot.lossSettings.filter { $0.name != name }.map { "\($0.name)=\($0.value)" }
            return (["loss", snapshot.lossName] + others + ["\(name)=\(newValue)"]).joined(separator: " ")
        case .encoder:
            var parts = snapshot.encoderSummary.split(separator: " ").map(String.init)
            if name == "kind" {
                return "encoder \(newValue)"
            }
            parts.removeAll { $0.hasPrefix(name + "=") }
            return (["encoder"] + parts + ["\(name)=\(newValue)"]).joined(separator: " ")
        case .training:
            return "set \(name)=\(newValue)"
        }
    }

    /// `newValue` after +/-: numbers scale by 1.25 (whole numbers step by one); choices cycle.
    public func nudged(up: Bool) -> String? {
        if let choices, let index = choices.firstIndex(of: value) {
            return choices[(index + (up ? 1 : choices.count - 1)) % choices.count]
        }
        if value == "true" || value == "false" { return value == "true" ? "false" : "true" }
        if let whole = Int(value), !value.contains(".") {
            return String(max(name == "seed" || name == "warmup" || name == "eval_every" ? 0 : 1, whole + (up ? 1 : -1)))
        }
        guard let number = Double(value) else { return nil }
        if number == 0 { return up ? "0.1" : "0" }
        let next = up ? number * 1.25 : number / 1.25
        return NumberText.short(next)
    }

    /// The choices of the encoder's and the trainer's settings (a loss's come from its table).
    static let settingChoices: [String: [String]] = [
        "optimizer": ["sgd", "momentum", "adam", "adamw"],
        "sampler": ["auto", "random", "pk", "no-duplicates"],
        "schedule": ["constantlr", "warmupconstant", "warmuplinear", "warmupcosine"],
        "kind": ["table", "linear", "mlp", "bow"],
        "reference": LossReference.allCases.map(\.rawValue),
    ]

    public static func rows(for snapshot: TrainingSnapshot) -> [ParameterRow] {
        var rows = snapshot.lossSettings.map { setting in
            ParameterRow(group: .loss, name: setting.name, value: setting.value, choices: snapshot.lossParameters[setting.name]?.cycle)
        }
        let encoder = snapshot.encoderSummary.split(separator: " ").map(String.init)
        if let kind = encoder.first { rows.append(ParameterRow(group: .encoder, name: "kind", value: kind)) }
        for part in encoder.dropFirst() {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            if pieces.count == 2 { rows.append(ParameterRow(group: .encoder, name: pieces[0], value: pieces[1])) }
        }
        if encoder.first != "table" && !encoder.contains(where: { $0.hasPrefix("normalize=") }) {
            rows.append(ParameterRow(group: .encoder, name: "normalize", value: "false"))
        }
        rows += snapshot.trainingSettings.map { ParameterRow(group: .training, name: $0.0, value: $0.1) }
        return rows
    }
}

/// Short numbers for the UI: 4 significant digits, no trailing zeros.
enum NumberText {
    static func short(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value != 0 && (abs(value) < 1e-3 || abs(value) >= 1e5) { return printed("%.3e", value) }
        var text = printed("%.4g", value)
        if text.contains(Character(".")) && !text.contains(Character("e")) {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// `value` through C's printf `format` (what `String(format:)` hands a double to in the end,
    /// at a fraction of its cost: a mining table formats a hundred numbers a frame).
    static func printed(_ format: String, _ value: Double) -> String {
        withVaList([value]) { arguments in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 48) { buffer in
                let length = vsnprintf(buffer.baseAddress!, buffer.count, format, arguments)
                guard length >= 0 && Int(length) < buffer.count else { return String(format: format, value) }
                return String(cString: buffer.baseAddress!)
            }
        }
    }
}
