import Dispatch
import Synchronization

/// Compresses a byte stream into gzip on several cores: the input is cut into blocks, each
/// block becomes its own gzip member on a Dispatch worker, and the members are handed to `sink`
/// in input order, on the caller's thread. Memory stays bounded: at most `maxInFlight` blocks
/// (input and output) exist at once; `write` waits for the oldest one when that many are out.
///
/// Why not one zlib stream: deflate is the slowest stage of a backup (`pg_dump | gzip | age`
/// is bound by gzip), and independent members are the only way to use a second core with
/// zlib. The cost is a few bytes per block and no shared dictionary across blocks, well under
/// 1% at 1 MiB blocks.
public final class ParallelGzipWriter {
    public static let defaultBlockSize = 1 << 20

    private let level: Int32
    private let blockSize: Int
    private let maxInFlight: Int
    private let sink: (UnsafeRawBufferPointer) throws -> Void
    private var block: [UInt8] = []
    private var inFlight: [Job] = []
    private var finished = false

    /// Bytes taken in and bytes handed to the sink so far.
    public private(set) var plainBytes: Int64 = 0
    public private(set) var compressedBytes: Int64 = 0

    /// - Parameters:
    ///   - level: gzip level 1–9.
    ///   - workers: how many blocks may be compressed at once (the cores to use).
    ///   - sink: receives the compressed stream, in order; its errors end the stream.
    public init(
        level: Int, workers: Int, blockSize: Int = ParallelGzipWriter.defaultBlockSize,
        sink: @escaping (UnsafeRawBufferPointer) throws -> Void
    ) {
        precondition((1...9).contains(level) && workers >= 1 && blockSize > 0)
        self.level = Int32(level)
        self.blockSize = blockSize
        self.maxInFlight = workers + 1
        self.sink = sink
        block.reserveCapacity(blockSize)
    }

    deinit {
        // An abandoned stream (an error upstream): let the workers finish before the buffers go.
        for job in inFlight { job.done.wait() }
    }

    /// Takes any amount of input.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!finished, "write after finish")
        var rest = bytes[...]
        while !rest.isEmpty {
            let take = min(blockSize - block.count, rest.count)
            block.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest.prefix(take)))
            rest = rest.dropFirst(take)
            if block.count == blockSize { try submitBlock() }
        }
    }

    /// Compresses what is left and delivers every member. An empty input still produces one
    /// (empty) member, so the result is always a valid gzip file.
    public func finish() throws {
        precondition(!finished, "finish twice")
        finished = true
        if !block.isEmpty || plainBytes == 0 { try submitBlock() }
        while !inFlight.isEmpty { try deliverOldest() }
    }

    private func submitBlock() throws {
        while inFlight.count >= maxInFlight { try deliverOldest() }
        let job = Job(input: block)
        plainBytes += Int64(block.count)
        block = []
        block.reserveCapacity(blockSize)
        let level = level
        DispatchQueue.global().async {
            job.run(level: level)
        }
        inFlight.append(job)
    }

    private func deliverOldest() throws {
        let job = inFlight.removeFirst()
        job.done.wait()
        let output = try job.output.withLock { try $0.get() }
        compressedBytes += Int64(output.count)
        try output.withUnsafeBytes { try sink($0) }
    }

    /// One block on its way through a worker.
    private final class Job: Sendable {
        let input: [UInt8]
        let output = Mutex<Result<[UInt8], SystemError>>(.success([]))
        let done = DispatchSemaphore(value: 0)

        init(input: [UInt8]) {
            self.input = input
        }

        func run(level: Int32) {
            let result: Result<[UInt8], SystemError>
            do {
                result = .success(try input.withUnsafeBytes { try GzipMember.compress($0, level: level) })
            } catch {
                result = .failure(error as? SystemError ?? SystemError("\(error)"))
            }
            output.withLock { $0 = result }
            done.signal()
        }
    }
}
