import LossKit

extension Dataset {
    /// The data with a teacher loaded from `path` (`load ... teacher=`), in the shape the
    /// distillation losses take: single items become teacher items (MSELoss, EmbedDistillLoss;
    /// a class per item is kept for `as=teacher-scored` and the retrieval metrics), and
    /// (query, positive, negative...) examples become teacher-scored ones (MarginMSELoss,
    /// DistillKLDivLoss), scored by the teacher's embeddings or by the scores given per example.
    public func withTeacher(_ teacher: TeacherLoader.Teacher, from path: String) throws -> Dataset {
        var result = self
        switch teacher {
        case .embeddings(let embeddings):
            guard embeddings.rows == itemCount else {
                throw DataError.file(path, "the teacher has \(embeddings.rows) rows but the data has \(itemCount) items; give one teacher row per item, in the items' order")
            }
            result.teacher = embeddings
            if columnCount == 1 {
                if shape == .labelledItems && result.itemClasses == nil {
                    var classes = [Int](repeating: -1, count: itemCount)
                    for (index, example) in examples.enumerated() { classes[example[0]] = Int(labels[index]) }
                    result.itemClasses = classes
                }
                result.shape = .teacherItems
                result.labels = []
                if shape == .teacherItems { result.notes.append("the teacher of \(path) replaces the file's own") }
            } else {
                try result.becomeTeacherScored(path: path)
            }
        case .scores(let scores):
            guard columnCount > 1 else {
                throw DataError.file(path, "teacher scores belong to (query, positive, negative...) examples; \(name) has one text per example, whose teacher is an embedding (a list per record)")
            }
            result.teacherScores = scores
            try result.becomeTeacherScored(path: path)
        }
        result.name = name + " + teacher"
        return result
    }

    private mutating func becomeTeacherScored(path: String) throws {
        guard labels.isEmpty && columnCount >= 3 else {
            throw DataError.file(path, "a teacher scores (query, positive, negative...) examples (\(LossCatalog.names(taking: [.teacherScores]))) or embeds single items (\(LossCatalog.names(taking: [.teacher]))); \(name) is \(shape.rawValue) with \(columnCount) columns")
        }
        shape = .teacherScored
    }
}
