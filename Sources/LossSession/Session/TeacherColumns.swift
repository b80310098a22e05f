import LossData
import LossKit

/// What a distillation loss gets from the dataset's teacher for a batch: the teacher
/// embeddings of column 0 (MSELoss, EmbedDistillLoss), or the teacher's scores of the batch's
/// examples (MarginMSELoss, DistillKLDivLoss): the scores loaded with the data when there are
/// any, else the score of every column past the first against it, the cosine similarity of
/// their teacher embeddings, as a 6.2 user computes the labels with
/// `teacher.similarity_pairwise` (cosine for all-MiniLM-L6-v2).
enum TeacherColumns {
    /// `examples`: the batch's examples (rows of the dataset's per-example scores); `items`: its items per column.
    static func apply(_ loss: any EmbeddingLoss, _ dataset: Dataset, examples: [Int], items: [[Int]], to batch: inout LossBatch<Float>) {
        switch loss.inputSpec.labels {
        case .teacher:
            if let teacher = dataset.teacher { batch.targets = teacher.gatherRows(items[0]) }
        case .teacherScores:
            if let given = dataset.teacherScores {
                batch.teacherScores = given.gatherRows(examples)
            } else if let teacher = dataset.teacher {
                batch.teacherScores = scores(teacher, items: items)
            }
        default: break
        }
    }

    /// A sum's terms, each taking the teacher its labels ask for.
    static func apply(_ sum: LossSum, _ dataset: Dataset, examples: [Int], items: [[Int]], to batch: inout LossBatch<Float>) {
        for term in sum.terms { apply(term.loss, dataset, examples: examples, items: items, to: &batch) }
    }

    /// (rows, columns - 1): cos(teacher(column 0 item), teacher(column c item)).
    static func scores(_ teacher: Matrix<Float>, items: [[Int]]) -> Matrix<Float> {
        let rows = items[0].count, k = items.count - 1
        let normalized = L2Normalization.forward(teacher.converted(to: Double.self)).output
        return Matrix(rows: rows, cols: k) { out in
            for i in 0..<rows {
                for c in 0..<k {
                    let a = items[0][i], b = items[c + 1][i]
                    var sum = 0.0
                    for d in 0..<normalized.cols { sum += normalized[a, d] * normalized[b, d] }
                    out[i * k + c] = Float(sum)
                }
            }
        }
    }
}
