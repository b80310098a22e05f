import LossKit

/// How far the contrastive-tension losses' two encoders have moved apart, measured at each
/// step before its update: `encoder_cosine`, the mean cosine between model 1's and model 2's
/// embeddings of the batch's column-0 items (1 while they are the same copy), and
/// `weight_distance`, the Euclidean distance between their parameters over every tensor.
enum EncoderDrift {
    static func measure(model1: Matrix<Float>, model2: Matrix<Float>, model: Session.Model) -> [(String, Double)] {
        var cosines = 0.0
        for i in 0..<model1.rows {
            var dot = 0.0, a = 0.0, b = 0.0
            for k in 0..<model1.cols {
                let x = Double(model1[i, k]), y = Double(model2[i, k])
                dot += x * y
                a += x * x
                b += y * y
            }
            cosines += a > 0 && b > 0 ? dot / (a * b).squareRoot() : 0
        }
        var squared = 0.0
        for (name, weights) in model.encoder.parameters {
            guard let copy = model.lossParameters[ModelCopy.prefix + name] else { continue }
            for k in 0..<weights.count {
                let difference = Double(copy.values[k]) - Double(weights.values[k])
                squared += difference * difference
            }
        }
        return [("encoder_cosine", cosines / Double(max(model1.rows, 1))), ("weight_distance", squared.squareRoot())]
    }
}
