import LossKit

/// A guide model's embedding of every item (`load ... guide=FILE`): a 2-D .npy with one row
/// per item, in the items' order, for the losses that filter false negatives with a guide
/// (GISTEmbedLoss). Its dimension may differ from the items'.
public enum GuideLoader {
    public static func load(path: String, itemCount: Int) throws -> Matrix<Float> {
        guard path.lowercased().hasSuffix(".npy") else {
            throw DataError.file(path, "a guide is a .npy file with one row per item (rows x dimension)")
        }
        let array = try NumpyFile.read(path: path)
        guard array.rank == 2 else {
            throw DataError.file(path, "a guide must be 2-D (one row per item), got shape \(array.shape)")
        }
        guard array.shape[0] == itemCount else {
            throw DataError.file(path, "the guide has \(array.shape[0]) rows but the data has \(itemCount) items; give one guide row per item, in the items' order")
        }
        if let bad = array.firstNonFinite() {
            throw DataError.file(path, "non-finite value (NaN or inf) at row \(bad.row), column \(bad.col)")
        }
        return try array.matrix(Float.self)
    }
}
