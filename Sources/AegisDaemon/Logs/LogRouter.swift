import AegisCore
import AegisSystem
import Foundation
import Synchronization

/// Where every entry goes, from the threads that read children's pipes: journald (or aegisd's
/// stderr, or nowhere), the ring behind `aegisctl logs`, and the shipper's intake.
///
/// Nothing here waits: the locks guard a few field updates, and the intake refuses (and counts)
/// what does not fit rather than make a reader thread wait. A child's pipe is therefore always
/// drained at the speed of these steps, whatever Loki does.
public final class LogRouter: Sendable {
    /// What the lines become besides ring and intake.
    public enum Echo: Sendable {
        /// journald, with fields (SYSLOG_IDENTIFIER `aegis-<service>`, AEGIS_SERVICE, PRIORITY, pid).
        case journal
        /// aegisd's stderr with a `[service]` prefix (no journald here).
        case stderr
        /// Neither (benchmarks, tests).
        case none
    }

    public let echo: Echo
    public let intake: LogIntake?
    private let sources = Mutex<[ServiceID: LogSource]>([:])
    private let ringLines: Int
    private let flusher = Mutex<Task<Void, Never>?>(nil)
    /// The earliest deadline of a pending multi-line entry, which the flusher sleeps towards.
    private let alarm = DeadlineAlarm()
    private let journal: JournalForwarder?
    private let entriesRead = Atomic<Int>(0)
    private let droppedOutputBytes = Atomic<Int>(0)

    /// - Parameters:
    ///   - intake: the shipper's queue; nil when nothing is shipped.
    public init(echo: Echo, ringLines: Int, intake: LogIntake?) {
        self.echo = echo
        self.intake = intake
        self.ringLines = ringLines
        if case .journal = echo {
            journal = JournalForwarder { item in
                FileHandle.standardError.write(Data("[\(item.service.rawValue)] \(item.entry.line)\n".utf8))
            }
        } else {
            journal = nil
        }
        // The flusher sleeps until the earliest pending entry's deadline, and without one (no
        // output since the last flush) until a line arrives: an idle aegisd does not wake for it.
        let alarm = alarm
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                guard let deadline = alarm.take() else {
                    await alarm.waitForNote()
                    continue
                }
                let wait = deadline - WallClock.nowNs()
                if wait > 0 { try? await Task.sleep(for: .nanoseconds(wait)) }
                guard let self else { return }
                self.flushDue()
            }
        }
        flusher.withLock { $0 = task }
    }

    deinit {
        flusher.withLock { $0?.cancel() }
        journal?.close()
    }

    /// Entries handed over so far (a multi-line message counts once).
    public var linesRead: Int { entriesRead.load(ordering: .relaxed) }

    /// Entries not sent to journald because it fell too far behind.
    public var journalDropped: Int { journal?.dropped ?? 0 }

    /// Bytes of children's output dropped before they became entries (`outputDropped`).
    public var outputDroppedBytes: Int { droppedOutputBytes.load(ordering: .relaxed) }

    /// A child's pipe reader dropped `bytes`: the line thread fell too far behind it.
    public func outputDropped(_ bytes: Int) {
        droppedOutputBytes.add(bytes, ordering: .relaxed)
    }

    /// Entries journald's socket took.
    public var journalSent: Int { journal?.sent ?? 0 }

    /// Lines a child printed on one stream, as one read brought them (called on its pipe thread).
    public func lines(_ lines: [String], service: ServiceID, stream: OutputStreamKind, pid: Int32?) {
        let source = source(service)
        let pending = source.lines(lines, stream: stream, pid: pid, nowNs: WallClock.nowNs()) { entries, stream, fields in
            deliver(entries, service: service, stream: stream, journalFields: fields)
        }
        if let pending { alarm.note(pending) }
    }

    /// One line a child printed.
    public func line(_ text: String, service: ServiceID, stream: OutputStreamKind, pid: Int32?) {
        lines([text], service: service, stream: stream, pid: pid)
    }

    /// Hands over the pending entries whose continuation lines did not come in time.
    public func flushDue(all: Bool = false) {
        let now = WallClock.nowNs()
        for source in sources.withLock({ Array($0.values) }) {
            let pending = source.flush(all: all, nowNs: now) { entries, stream, fields in
                deliver(entries, service: source.service, stream: stream, journalFields: fields)
            }
            if let pending { alarm.note(pending) }
        }
    }

    /// The newest `count` entries of `service`, or those after `sequence`.
    public func ring(_ service: ServiceID, last count: Int?, after sequence: Int?) -> [LogRing.Item] {
        guard let source = sources.withLock({ $0[service] }) else { return [] }
        return source.ring(last: count, after: sequence)
    }

    private func source(_ service: ServiceID) -> LogSource {
        sources.withLock { sources in
            if let source = sources[service] { return source }
            let source = LogSource(service: service, ringLines: ringLines)
            sources[service] = source
            return source
        }
    }

    /// Called under the source's lock, so a stream's entries keep their order everywhere.
    private func deliver(_ entries: [LogEntry], service: ServiceID, stream: OutputStreamKind, journalFields: JournalFields) {
        entriesRead.add(entries.count, ordering: .relaxed)
        switch echo {
        case .journal:
            journal?.send(entries.map { JournalForwarder.Item(entry: $0, service: service, fields: journalFields) })
        case .stderr:
            for entry in entries { writeToStderr(entry, service) }
        case .none:
            break
        }
        intake?.push(entries.map { LogIntake.Item(job: "aegisd", service: service.rawValue, entry: $0) })
    }

    private func writeToStderr(_ entry: LogEntry, _ service: ServiceID) {
        FileHandle.standardError.write(Data("[\(service.rawValue)] \(entry.line)\n".utf8))
    }
}
