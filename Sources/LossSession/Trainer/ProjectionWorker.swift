import Foundation
import LossData
import LossKit

/// Projects the display sample onto the 2-D view on its own thread, at most once a frame, from
/// the weights the trainer handed it last. The trainer never waits for it: it hands over a job
/// only when the worker is free, so the newest weights are the ones projected, and reads the
/// newest finished view when it publishes.
final class ProjectionWorker: @unchecked Sendable {
    /// What one projection needs, taken on the training thread in O(sample) at most.
    struct Job: Sendable {
        /// What the view is of (data, encoder, seed, replay): a change starts a fresh projection.
        var identity: String
        var sample: DisplaySample
        /// The group of every item (the dataset's own array, shared, not copied).
        var groups: [Int]
        /// The items to project: the sample, then the items looked at that it misses.
        var items: [Int]
        var source: Source
        var cursor: Int?
        var metric: String?
        var texts: [String]?

        enum Source: Sendable {
            /// The encoder to run on `items`: its weights do not grow with the data, so the
            /// trainer's next step copies at most those.
            case encoder(Encoder<Float>)
            /// The embeddings of `items`, gathered by the trainer: a table encoder's weights are
            /// a row per item, and holding them here would make the next step copy all of them.
            case embeddings(Matrix<Float>)
        }
    }

    /// At most one projection per frame.
    static let frameInterval = 1.0 / 30

    private let state = NSCondition()
    private var pending: Job?
    private var busy = false
    private var quitting = false
    private var finished: (identity: String, view: EmbeddingView)?
    private var finishedCount = 0
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    /// Called on the worker's thread when a view is finished and when it is free again.
    private let onNews: @Sendable () -> Void

    /// The worker's own: the projection refined from one view to the next.
    private var projection = Projection()
    private var projectedIdentity = ""
    /// The display sample's input vectors, gathered once per view identity: at a million
    /// mapped rows, reading the sample's 20,000 rows again for every frame cost more than the
    /// trainer's steps.
    private var sampleInputs = SampleInputs()

    init(onNews: @escaping @Sendable () -> Void) {
        self.onNews = onNews
    }

    func start() {
        let thread = Thread { [self] in
            loop()
            done.signal()
        }
        thread.name = "losslab-projection"
        self.thread = thread
        thread.start()
    }

    func stop() {
        state.lock()
        quitting = true
        state.signal()
        state.unlock()
        if thread != nil { _ = done.wait(timeout: .now() + 5) }
    }

    /// Free for a job: none waiting, none running, the frame's time past.
    var isIdle: Bool {
        state.lock()
        defer { state.unlock() }
        return pending == nil && !busy
    }

    func submit(_ job: Job) {
        state.lock()
        pending = job
        state.signal()
        state.unlock()
    }

    /// The newest finished view of `identity`, and how many views have been finished in all
    /// (so a caller sees when there is a newer one).
    func latest(of identity: String) -> (view: EmbeddingView?, count: Int) {
        state.lock()
        defer { state.unlock() }
        return (finished.flatMap { $0.identity == identity ? $0.view : nil }, finishedCount)
    }

    private func loop() {
        while true {
            state.lock()
            while pending == nil && !quitting { state.wait() }
            if quitting {
                state.unlock()
                return
            }
            let job = pending!
            pending = nil
            busy = true
            state.unlock()

            let started = Self.now()
            if job.identity != projectedIdentity {
                projection = Projection()
                sampleInputs = SampleInputs()
                projectedIdentity = job.identity
            }
            // One BLAS thread: the other core is the trainer's.
            let view = BLASThreads.onOneThread { Self.project(job, with: &projection, inputs: &sampleInputs) }
            state.lock()
            finished = (job.identity, view)
            finishedCount += 1
            state.unlock()
            onNews()

            // Rest out the frame before the next job, waking early only to quit.
            state.lock()
            let until = Date().addingTimeInterval(max(0, started + Self.frameInterval - Self.now()))
            while !quitting && Date() < until { _ = state.wait(until: until) }
            busy = false
            state.unlock()
            onNews()
        }
    }

    /// One view: the items embedded (by the job's encoder, or as given), projected with the
    /// directions fitted on the sample alone (the batch changing each step must not turn the
    /// view), and the cursor's neighbours among them. Pure apart from `projection`'s state and
    /// the cache of the sample's inputs.
    static func project(_ job: Job, with projection: inout Projection, inputs: inout SampleInputs) -> EmbeddingView {
        let embeddings: Matrix<Float>
        switch job.source {
        case .encoder(let encoder): embeddings = inputs.embed(job.items, sampleCount: job.sample.items.count, with: encoder)
        case .embeddings(let given): embeddings = given
        }
        let positions = projection.update(embeddings, fittingFirst: job.sample.items.count)
        let cursor = job.cursor.flatMap {
            TrainingSnapshot.neighbours(of: $0, items: job.items, embeddings: embeddings, texts: job.texts,
                                        itemCount: job.sample.itemCount, metric: job.metric)
        }
        return EmbeddingView(items: job.items, groups: job.items.map { job.groups[$0] }, positions: positions,
                             sampleCount: job.sample.items.count, counts: job.sample.counts, itemCount: job.sample.itemCount,
                             axes: projection.axes, directions: projection.directions, cursor: cursor)
    }

    /// One view with nothing cached (tests).
    static func project(_ job: Job, with projection: inout Projection) -> EmbeddingView {
        var inputs = SampleInputs()
        return project(job, with: &projection, inputs: &inputs)
    }

    private static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// The display sample's input vectors, kept between views: the sample is fixed for a view
/// identity, only the looked-at items after it change from frame to frame.
struct SampleInputs {
    private var items: [Int] = []
    private var inputs: Matrix<Float>?

    /// The embeddings of `items`, whose first `sampleCount` are the display sample.
    mutating func embed(_ all: [Int], sampleCount: Int, with encoder: Encoder<Float>) -> Matrix<Float> {
        let sample = Array(all.prefix(sampleCount))
        if sample != items || inputs == nil {
            items = sample
            inputs = encoder.gatherInputs(sample)
        }
        guard let inputs else { return encoder.forward(items: all).embeddings }
        let embedded = encoder.forward(items: sample, inputs: inputs).embeddings
        guard all.count > sampleCount else { return embedded }
        return Matrix.vstack([embedded, encoder.forward(items: Array(all.dropFirst(sampleCount))).embeddings])
    }
}
