import LossKit
import LossSession

/// Commands against a live session: each input is up to 8 command lines applied to a fresh
/// session on a small toy dataset, so absurd hyperparameters (`set lr=1e30`, `loss ...
/// margin=1e9 scale=-1`, `set batch_size=0`, `encoder mlp dim=1`, `rewind 99`, `duel ...`) meet
/// the trainer. Files are left alone: `save`, `export` and `load PATH` lines are skipped,
/// toy/text sizes are capped at 40 and steps at 12 per input so one input stays fast.
///
/// Fails on a crash, and on two broken promises of Session.apply:
/// - a refused command (other than `step`, whose divergence guard may stop part-way, and
///   `rewind`) leaves the session as it was (loss, its settings, training settings,
///   encoder, data source, step count, history length, state);
/// - no NaN leaks silently: after an accepted command the last recorded loss and every
///   encoder parameter are finite.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSession(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let session = Session(workingDirectory: "/nonexistent-losslab-fuzz")
    do {
        try session.apply(.load(source: "toy:blobs", options: ["classes": "3", "per_class": "6", "dim": "4", "seed": "1"]))
    } catch {
        fatalError("the starting dataset does not load: \(error)")
    }
    var stepBudget = 12
    for line in text.split(separator: "\n").prefix(8) {
        guard var command = try? Command.parse(String(line)) else { continue }
        switch command {
        case .save, .export, .expect:
            continue
        case .load(let source, let options):
            guard source.lowercased().hasPrefix("toy:") || source.lowercased().hasPrefix("text:") else { continue }
            command = .load(source: source, options: options.mapValues(capped))
        case .encoder(let kind, let options):
            command = .encoder(kind: kind, options: options.mapValues(capped))
        case .step(let steps):
            let allowed = min(steps, stepBudget)
            guard allowed > 0 else { continue }
            stepBudget -= allowed
            command = .step(allowed)
        default:
            break
        }
        let before = State(session)
        do {
            _ = try session.apply(command)
        } catch {
            switch command {
            case .step, .rewind:
                break
            default:
                let after = State(session)
                guard after == before else {
                    fatalError("refused '\(line)' (\(error)) but the session changed: \(before) -> \(after)")
                }
            }
            continue
        }
        if let last = session.history.last, !last.loss.isFinite {
            fatalError("after '\(line)' the last recorded loss is \(last.loss)")
        }
        if let parameters = session.model?.encoder.parameters, let bad = parameters.first(where: { !$0.value.allFinite }) {
            fatalError("after '\(line)' the encoder parameter \(bad.key) holds non-finite values")
        }
    }
    return 0
}

/// What a refused command must not change.
private struct State: Equatable, CustomStringConvertible {
    var loss: String
    var lossSpec: LossSpec
    var settings: TrainingSettings
    var encoder: EncoderChoice
    var source: String
    var step: Int
    var historyCount: Int
    var state: SessionState

    init(_ session: Session) {
        loss = session.loss.className
        lossSpec = session.lossSpec
        settings = session.settings
        encoder = session.encoderChoice
        source = session.datasetSource
        step = session.stepIndex
        historyCount = session.history.count
        state = session.state
    }

    var description: String {
        "\(loss) \(lossSpec) \(source) step \(step) history \(historyCount) \(state)"
    }
}

/// Whole numbers above 40 become 40, so a toy dataset or an encoder stays small.
private func capped(_ value: String) -> String {
    guard let number = Int(value), number > 40 else { return value }
    return "40"
}
