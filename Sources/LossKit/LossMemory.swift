/// Memory bounds shared by the losses. Each loss estimates its own working memory
/// (`EmbeddingLoss.scratchBytes`); the factors come from measured peaks of `losslab eval` at
/// 1024 and 4096 rows (peak RSS over the (N, N) scalars held): BatchAll about 8.4,
/// BatchSemiHard 5.6, BatchHard 3, the mining lab and MNRL 2; they are rounded up.
public enum LossMemory {
    /// The largest batch a loss is handed in training (the batch losses hold batch × batch
    /// matrices); also the largest useful MegaBatchMarginLoss mini_batch_size.
    public static let largestBatch = 16_384

    /// Copies of the batch's rows a loss may hold beside its `scratchBytes`: the in-batch
    /// ranking losses hold up to five of their documents (stacked, prepared, the accumulated
    /// and the final gradient, and the final gradient split per column).
    public static let rowCopies = 5

    /// Bytes as a person reads them: "72.0 GB", "512.0 MB", "more than 1000 PB".
    public static func describe(_ bytes: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB"]
        guard bytes.isFinite, bytes < 999.95e15 else { return "more than 1000 PB" }
        var value = max(bytes, 0)
        var unit = 0
        while value >= 999.95 && unit < units.count - 1 { value /= 1000; unit += 1 }
        if unit == 0 { return "\(Int(value)) bytes" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
