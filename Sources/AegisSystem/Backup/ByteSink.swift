/// Where a stream of bytes goes: the next stage of a backup (compression, encryption, the
/// file) or of a restore. A stage is used from one thread at a time.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Carries a sink into the blocking thread that feeds it. Safe because exactly one thread uses
/// the sink at a time: the caller hands it over and waits for the pump to finish.
public struct SinkHandoff: @unchecked Sendable {
    public let sink: any ByteSink
    public init(_ sink: any ByteSink) { self.sink = sink }
}
