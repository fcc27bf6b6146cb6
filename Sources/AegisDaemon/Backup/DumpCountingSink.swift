import AegisCore
import AegisSystem

/// Passes a pg_dump stream on unchanged while `DumpRowCounter` counts its rows. Runs on the
/// pump thread, like the sink it feeds.
final class DumpCountingSink: ByteSink {
    private let next: any ByteSink
    private(set) var counter = DumpRowCounter()

    init(next: any ByteSink) {
        self.next = next
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        counter.consume(bytes)
        try next.write(bytes)
    }
}
