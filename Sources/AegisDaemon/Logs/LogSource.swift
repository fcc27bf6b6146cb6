import AegisCore
import AegisSystem
import Synchronization

/// One service's share of the `LogRouter`: a multi-line assembler per output stream, the ring
/// behind `aegisctl logs`, and the journal fields of its current process.
///
/// One lock per service, held while a batch of lines is assembled and its entries are handed
/// on, so that a stream's entries reach the ring, journald and the shipper in the order the
/// child wrote them, even when the router's flusher completes an entry at the same moment.
final class LogSource: Sendable {
    let service: ServiceID

    private struct State {
        var stdout = MultilineAssembler()
        var stderr = MultilineAssembler()
        var ring: LogRing
        var pid: Int32?
        /// By stream, for `pid`: rebuilt when the process changes.
        var journalFields: [OutputStreamKind: JournalFields] = [:]
        /// Reused for every batch: no allocation per line.
        var completed: [LogEntry] = []

        /// In place, not through a copy: a copied assembler would copy its pending entry's text.
        mutating func assemble(_ line: String, stream: OutputStreamKind, nowNs: Int64) {
            switch stream {
            case .stdout: stdout.lineReceived(line, nowNs: nowNs, completed: &completed)
            case .stderr: stderr.lineReceived(line, nowNs: nowNs, completed: &completed)
            }
        }

        /// When the earliest pending entry of either stream is due, if one is pending.
        var pendingDeadlineNs: Int64? {
            [stdout.deadlineNs, stderr.deadlineNs].compactMap { $0 }.min()
        }

        mutating func flush(_ stream: OutputStreamKind, all: Bool, nowNs: Int64) -> LogEntry? {
            switch stream {
            case .stdout: all ? stdout.flush() : stdout.flushDue(nowNs: nowNs)
            case .stderr: all ? stderr.flush() : stderr.flushDue(nowNs: nowNs)
            }
        }
    }

    private let state: Mutex<State>

    init(service: ServiceID, ringLines: Int) {
        self.service = service
        state = Mutex(State(ring: LogRing(capacity: ringLines)))
    }

    /// Assembles `lines` of `stream`, read at `nowNs`, into entries and hands each completed one
    /// to `deliver`, in order, with the fields journald needs for it. Returns when the entry it
    /// now holds back (waiting for continuation lines) is due, if it holds one.
    @discardableResult
    func lines(
        _ lines: [String], stream: OutputStreamKind, pid: Int32?, nowNs: Int64,
        deliver: ([LogEntry], OutputStreamKind, JournalFields) -> Void
    ) -> Int64? {
        state.withLock { state in
            if let pid, pid != state.pid {
                state.pid = pid
                state.journalFields = [:]
            }
            state.completed.removeAll(keepingCapacity: true)
            for line in lines { state.assemble(line, stream: stream, nowNs: nowNs) }
            hand(&state, stream: stream, deliver: deliver)
            return state.pendingDeadlineNs
        }
    }

    /// Completes the pending entries whose deadline passed (or all of them) and hands them on.
    /// Returns when the entry still held back is due, if one is.
    @discardableResult
    func flush(all: Bool, nowNs: Int64, deliver: ([LogEntry], OutputStreamKind, JournalFields) -> Void) -> Int64? {
        state.withLock { state in
            for stream in [OutputStreamKind.stdout, .stderr] {
                state.completed.removeAll(keepingCapacity: true)
                guard let entry = state.flush(stream, all: all, nowNs: nowNs) else { continue }
                state.completed.append(entry)
                hand(&state, stream: stream, deliver: deliver)
            }
            return state.pendingDeadlineNs
        }
    }

    /// The newest `count` entries, or those numbered after `sequence`.
    func ring(last count: Int?, after sequence: Int?) -> [LogRing.Item] {
        state.withLock { state in
            if let sequence { return state.ring.after(sequence, limit: 10_000) }
            return state.ring.last(count ?? 10)
        }
    }

    private func hand(_ state: inout State, stream: OutputStreamKind, deliver: ([LogEntry], OutputStreamKind, JournalFields) -> Void) {
        guard !state.completed.isEmpty else { return }
        for entry in state.completed { state.ring.append(entry, stream: stream.rawValue) }
        let fields = state.journalFields[stream] ?? {
            let made = JournalForwarder.fields(service: service, stream: stream, pid: state.pid)
            state.journalFields[stream] = made
            return made
        }()
        deliver(state.completed, stream, fields)
    }
}
