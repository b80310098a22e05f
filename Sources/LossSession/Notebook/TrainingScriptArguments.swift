import LossData
import LossKit

/// The session's optimizer, schedule and batching as SentenceTransformerTrainingArguments.
struct TrainingScriptArguments {
    /// `name=value` lines of the SentenceTransformerTrainingArguments call, each with an
    /// optional trailing comment.
    var lines: [(argument: String, comment: String?)]
    /// Whether the trainer must be the torch.optim.Adam subclass (LossLab's adam adds the
    /// weight decay to the gradient, which no `optim` name of transformers does).
    var needsAdamTrainer: Bool

    static func make(_ settings: TrainingSettings, sampler: SamplerKind, heldOut: Bool = true) -> TrainingScriptArguments {
        let optimizer = settings.optimizer
        let number = ScriptLoss.pythonNumber
        var lines: [(String, String?)] = [
            ("output_dir=args.output_dir", nil),
            ("max_steps=args.max_steps", "-1: one epoch"),
            ("num_train_epochs=1", nil),
            ("per_device_train_batch_size=\(settings.batchSize)", nil),
            ("per_device_eval_batch_size=\(settings.batchSize)", nil),
            ("learning_rate=\(number(optimizer.learningRate))", nil),
        ]
        let schedule: (String, String?)
        switch optimizer.schedule {
        case .constant: schedule = ("constant", "LossLab's constantlr: no warmup")
        case .warmupConstant: schedule = ("constant_with_warmup", nil)
        case .warmupLinear: schedule = ("linear", "LossLab decays to 0 at total_steps=\(optimizer.totalSteps); here at the last step of the run")
        case .warmupCosine: schedule = ("cosine", "LossLab's half cycle ends at total_steps=\(optimizer.totalSteps); here at the last step of the run")
        }
        lines.append(("lr_scheduler_type=\"\(schedule.0)\"", schedule.1))
        lines.append(("warmup_steps=\(optimizer.warmupSteps)", nil))
        lines.append(("weight_decay=\(number(optimizer.weightDecay))", nil))
        if let clip = optimizer.maxGradNorm {
            lines.append(("max_grad_norm=\(number(clip))", nil))
        } else {
            lines.append(("max_grad_norm=0", "LossLab's max_grad_norm=none: no clipping"))
        }
        switch optimizer.kind {
        case .sgd:
            lines.append(("optim=\"sgd\"", nil))
        case .momentum:
            lines.append(("optim=\"sgd\"", nil))
            lines.append(("optim_args=\"momentum=\(number(optimizer.momentum))\"", "torch SGD with momentum, dampening 0, no Nesterov"))
        case .adam, .adamw:
            let comment: String?
            if optimizer.kind == .adamw { comment = nil } else if optimizer.weightDecay == 0 {
                comment = "LossLab's adam: without weight decay AdamW's update is Adam's"
            } else {
                comment = "made torch.optim.Adam by AdamTrainer above"
            }
            lines.append(("optim=\"adamw_torch\"", comment))
            if optimizer.beta1 != 0.9 { lines.append(("adam_beta1=\(number(optimizer.beta1))", nil)) }
            if optimizer.beta2 != 0.999 { lines.append(("adam_beta2=\(number(optimizer.beta2))", nil)) }
            if optimizer.eps != 1e-8 { lines.append(("adam_epsilon=\(number(optimizer.eps))", nil)) }
        }
        switch sampler {
        case .pk: lines.append(("batch_sampler=BatchSamplers.GROUP_BY_LABEL", "LossLab's pk sampler (k=\(settings.perClass) per class)"))
        case .noDuplicates: lines.append(("batch_sampler=BatchSamplers.NO_DUPLICATES", "LossLab's no-duplicates sampler"))
        case .random: lines.append(("batch_sampler=BatchSamplers.BATCH_SAMPLER", "LossLab's random sampler"))
        }
        lines.append(("seed=\(settings.seed)", nil))
        if !heldOut {
            lines.append(("eval_strategy=\"no\"", "nothing held out (test_fraction=0)"))
        } else if settings.evalEvery > 0 {
            lines.append(("eval_strategy=\"steps\"", nil))
            lines.append(("eval_steps=\(settings.evalEvery)", "LossLab's eval_every"))
        } else {
            lines.append(("eval_strategy=\"no\"", "LossLab's eval_every=0: evaluate at the end only"))
        }
        lines.append(("logging_steps=10", nil))
        lines.append(("save_strategy=\"no\"", "the model is saved once, at the end"))
        lines.append(("report_to=\"none\"", nil))
        return TrainingScriptArguments(lines: lines, needsAdamTrainer: optimizer.kind == .adam && optimizer.weightDecay != 0)
    }

    static let adamTrainer = """
        class AdamTrainer(SentenceTransformerTrainer):
            \"\"\"LossLab's adam is torch.optim.Adam: weight decay added to the gradient (L2), not
            decoupled as in AdamW. Same parameter groups and keyword arguments, other class.\"\"\"

            def get_optimizer_cls_and_kwargs(self, args, model=None):
                _, kwargs = super().get_optimizer_cls_and_kwargs(args, model)
                return torch.optim.Adam, kwargs


        """
}
