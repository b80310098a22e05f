/// The decoder of LossLab's TSDAE: a one-layer GRU that rebuilds a sentence's ORIGINAL tokens
/// from its sentence embedding, with output weights tied to the encoder's token table.
///
/// sentence-transformers' `DenoisingAutoEncoderLoss` uses a HuggingFace transformer decoder
/// that cross-attends to the sentence embedding. LossLab's encoders are tiny bag-of-words
/// models, so the decoder here is the smallest sequence model that keeps the parts that matter
/// for the objective:
///
/// - conditioning: the sentence embedding is the GRU's initial hidden state h₀ (hidden size =
///   the embedding dimension D), so everything the decoder knows about the sentence passes
///   through the embedding;
/// - teacher forcing with the causal shift of the reference: the input at step t is the token
///   embedding of target token t-1, and at step 0 that of the start token;
/// - tying (tie_encoder_decoder=True): input embeddings and output projection both use the
///   encoder's token table E ("tokens.weight", vocab × D): logits_t = h_t · Eᵀ + output_bias;
/// - the loss: cross-entropy with ignore_index = 0, mean over the non-padding target positions
///   of the whole batch.
///
/// A GRU rather than a plain tanh RNN because its gates let the embedding survive many steps
/// (a plain RNN forgets h₀ quickly, which would make long sentences unlearnable and the
/// embedding's gradient vanish).
///
/// Start token: the padding id 0. The toy vocabulary reserves only 0 ("<pad>") and 1 ("<unk>")
/// and no begin-of-sentence id, so the padding row of E doubles as the start embedding (as
/// GPT-2 reuses one special token for pad/bos/eos). Bag-of-words encoders never read row 0, so
/// the decoder is free to train it; the output layer trains it too (class 0 is part of the
/// softmax, as the reference's LM head covers the whole vocabulary).
/// The reference's target sequence starts with the tokenizer's [CLS] and its labels are the
/// ids after it; here [start] + tokens plays that role, so every original token is predicted.
/// There is no end-of-sentence token to predict (append one to the targets if a vocabulary has it).
///
/// Parameters, named and laid out like torch.nn.GRU (gate order r, z, n):
/// "decoder.weight_ih" (3D, D), "decoder.weight_hh" (3D, D), "decoder.bias_ih" (1, 3D),
/// "decoder.bias_hh" (1, 3D), and the LM head's "decoder.output_bias" (1, vocab). With x the
/// input and h the previous state:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr)
///     z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
///     h' = (1 - z) ⊙ n + z ⊙ h
public struct DenoisingDecoder<T: Scalar>: Sendable {
    /// The token fed at step 0: the padding id (see the type's documentation).
    public static var startToken: Int { 0 }

    /// The parameter names in a fixed order.
    public static var parameterNames: [String] {
        ["decoder.weight_ih", "decoder.weight_hh", "decoder.bias_ih", "decoder.bias_hh", "decoder.output_bias"]
    }

    /// Hidden size = input size = the sentence embedding's dimension D.
    public let dimension: Int
    public let vocabularySize: Int
    /// Keyed by `parameterNames`; shapes must stay as built.
    public var parameters: [String: Matrix<T>]

    /// Seeded initial parameters: GRU weights and biases uniform in ±1/sqrt(D) like
    /// torch.nn.GRU, the output bias zero (as a fresh LM head's bias).
    public init(dimension: Int, vocabularySize: Int, seed: UInt64) {
        precondition(dimension >= 1, "decoder dimension must be at least 1, got \(dimension)")
        precondition(vocabularySize >= 1, "decoder vocabulary size must be at least 1, got \(vocabularySize)")
        var random = SeededRandom(seed: seed)
        let bound = 1 / Double(dimension).squareRoot()
        func uniform(_ rows: Int, _ cols: Int) -> Matrix<T> {
            Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in T(random.uniform(-bound, bound)) })
        }
        self.dimension = dimension
        self.vocabularySize = vocabularySize
        parameters = [
            "decoder.weight_ih": uniform(3 * dimension, dimension),
            "decoder.weight_hh": uniform(3 * dimension, dimension),
            "decoder.bias_ih": uniform(1, 3 * dimension),
            "decoder.bias_hh": uniform(1, 3 * dimension),
            "decoder.output_bias": Matrix(zeros: 1, vocabularySize),
        ]
    }

    init(dimension: Int, vocabularySize: Int, parameters: [String: Matrix<T>]) {
        self.dimension = dimension
        self.vocabularySize = vocabularySize
        self.parameters = parameters
    }

    /// The same decoder in another precision, e.g. Double for gradient checks.
    public func converted<U: Scalar>(to _: U.Type) -> DenoisingDecoder<U> {
        DenoisingDecoder<U>(dimension: dimension, vocabularySize: vocabularySize,
                            parameters: parameters.mapValues { $0.converted(to: U.self) })
    }

    /// Teacher-forced reconstruction loss and its gradients (backpropagation through time).
    ///
    /// - embeddings: (B, D) sentence embeddings, one per target sequence (the h₀ of each row).
    /// - targets: B token sequences to rebuild, ids in 0..<vocabularySize. They are padded with
    ///   0 to the batch's longest; a 0 anywhere is an ignored target (ignore_index), but it is
    ///   still fed as the next step's input, exactly as a padded batch runs through torch.nn.GRU.
    ///   Pass the sentences without padding to get the plain TSDAE objective.
    /// - tokenTable: E, (vocabularySize, D): the encoder's "tokens.weight".
    ///
    /// The loss is the mean over all non-padding target positions of the batch. A batch
    /// without any such position has loss 0 and zero gradients (torch would give NaN).
    /// `dTokenTable` is only the decoder's share of E's gradient: the caller adds the encoder's.
    public func loss(embeddings: Matrix<T>, targets: [[Int]], tokenTable: Matrix<T>) -> DenoisingResult<T> {
        // Hand the work to a concretely typed copy so that the loops compile specialised even
        // when called from another module (as Encoder does).
        if T.self == Float.self {
            let result = unsafeBitCast(self, to: DenoisingDecoder<Float>.self).lossKernel(
                embeddings: unsafeBitCast(embeddings, to: Matrix<Float>.self), targets: targets,
                tokenTable: unsafeBitCast(tokenTable, to: Matrix<Float>.self))
            return unsafeBitCast(result, to: DenoisingResult<T>.self)
        }
        if T.self == Double.self {
            let result = unsafeBitCast(self, to: DenoisingDecoder<Double>.self).lossKernel(
                embeddings: unsafeBitCast(embeddings, to: Matrix<Double>.self), targets: targets,
                tokenTable: unsafeBitCast(tokenTable, to: Matrix<Double>.self))
            return unsafeBitCast(result, to: DenoisingResult<T>.self)
        }
        return lossKernel(embeddings: embeddings, targets: targets, tokenTable: tokenTable)
    }
}

/// What `DenoisingDecoder.loss` returns.
public struct DenoisingResult<T: Scalar>: Sendable {
    /// Mean cross-entropy over the non-padding target positions.
    public var value: T
    /// dL/d(embeddings), (B, D): feed it to the encoder's backward.
    public var dEmbeddings: Matrix<T>
    /// The decoder's part of dL/dE, (vocab, D), from both the input embeddings and the tied
    /// output projection. The encoder's own part must be ADDED to it.
    public var dTokenTable: Matrix<T>
    /// dL/d(parameter) for every name in `DenoisingDecoder.parameterNames`.
    public var parameterGradients: [String: Matrix<T>]
    /// Fraction of the non-padding target positions whose arg-max logit is the target (the
    /// first maximum wins a tie); 0 when there are none.
    public var tokenAccuracy: Double
    /// The number of non-padding target positions the mean runs over.
    public var targetCount: Int
}
