/// The working memory of one forward and backward pass, estimated before anything is
/// allocated, so that a size a user sets (a batch, a number of classes) is refused with a
/// message instead of dying in the allocator. The factors come from measured peaks of
/// `losslab eval` at 1024 and 4096 rows (peak RSS over the (N, N) scalars held): BatchAll
/// about 8.4, BatchSemiHard 5.6, BatchHard 3, the mining lab and MNRL 2; they are rounded up.
public enum LossMemory {
    /// The largest batch a loss is handed in training (the batch losses hold batch × batch
    /// matrices); also the largest useful MegaBatchMarginLoss mini_batch_size.
    public static let largestBatch = 16_384

    /// Bytes of scratch for `rows` rows in each of `columns` columns, in a scalar of
    /// `scalarBytes` bytes; the (rows, D) inputs and their gradients are not counted.
    /// `classes`: SoftmaxLoss's number of labels.
    public static func scratchBytes(_ loss: any EmbeddingLoss, rows: Int, columns: Int, scalarBytes: Int,
                                    classes: Int = 3) -> Double {
        let n = Double(rows), size = Double(scalarBytes)
        switch loss {
        case is BatchAllTripletLoss: return 10 * n * n * size
        case is BatchSemiHardTripletLoss: return 7 * n * n * size
        case is BatchHardTripletLoss, is BatchHardSoftMarginTripletLoss: return 4 * n * n * size
        case is MinedTripletLoss: return 3 * n * n * size
        case is MultipleNegativesRankingLoss:
            // (anchors, all candidates) scores, probabilities and their gradient.
            return 3 * n * n * Double(max(columns - 1, 1)) * size
        case let megaBatch as MegaBatchMarginLoss:
            let slice = megaBatch.useMiniBatchedVersion ? Double(min(megaBatch.miniBatchSize, rows)) : n
            return 3 * slice * n * size
        case is SoftmaxLoss:
            // Logits, probabilities and their gradient.
            return 3 * n * Double(classes) * size
        default:
            return 0
        }
    }

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
