import LossKit

/// A matrix with one row per item, read from a `.npy` file or an array of an `.npz` archive:
/// what `guide=` and `teacher=` load. `role` names it in messages ("guide", "teacher") and
/// `keyOption` is the option that names the archive's array (`guide_key`, `teacher_key`).
struct ItemRowsFile {
    let role: String
    let keyOption: String

    /// The archive's array: the one `key` names, else its only array, else `fallbackKey`'s when it has one.
    func read(path: String, key: String?, itemCount: Int, fallbackKey: String? = nil) throws -> Matrix<Float> {
        let lower = path.lowercased()
        let array: NumpyArray
        if lower.hasSuffix(".npy") {
            if let key { throw DataError.file(path, "\(keyOption)=\(key) names an .npz array or a JSONL field, but the \(role) is an .npy file") }
            array = try NumpyFile.read(path: path)
        } else {
            array = try archiveArray(path: path, key: key, fallbackKey: fallbackKey)
        }
        guard array.rank == 2 else {
            throw DataError.file(path, "a \(role) must be 2-D (one row per item), got shape \(array.shape)")
        }
        try checkRows(array.shape[0], itemCount: itemCount, path: path)
        if let bad = array.firstNonFinite() {
            throw DataError.file(path, "non-finite value (NaN or inf) in the \(role) at row \(bad.row), column \(bad.col)")
        }
        return try array.matrix(Float.self)
    }

    func checkRows(_ rows: Int, itemCount: Int, path: String) throws {
        guard rows == itemCount else {
            throw DataError.file(path, "the \(role) has \(rows) rows but the data has \(itemCount) items; give one \(role) row per item, in the items' order")
        }
    }

    private func archiveArray(path: String, key: String?, fallbackKey: String?) throws -> NumpyArray {
        let arrays = try NumpyArchive.read(path: path)
        let names = arrays.keys.sorted()
        if let key {
            guard let array = arrays[key] else {
                throw DataError.file(path, "the archive has no array '\(key)'; it has \(names.map { "'\($0)'" }.joined(separator: ", "))")
            }
            return array
        }
        if names.count == 1, let only = arrays[names[0]] { return only }
        if let fallbackKey, let array = arrays[fallbackKey] { return array }
        throw DataError.file(path, "the archive holds \(names.count) arrays (\(names.map { "'\($0)'" }.joined(separator: ", "))); name the \(role) with \(keyOption)=NAME")
    }
}
