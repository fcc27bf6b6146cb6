import AegisCore
import AegisSystem

/// Where the lines children print go: a `LogRouter` turns them into entries (multi-line messages
/// joined) for journald with fields, the `aegisctl logs` ring and the Loki shipper. Called on
/// the pipe reader threads.
public struct ChildOutput: Sendable {
    public let router: LogRouter

    public init(router: LogRouter) {
        self.router = router
    }

    /// journald when it is there, aegisd's stderr otherwise; no shipping.
    public init(toJournal: Bool = JournalWriter.isAvailable) {
        self.init(router: LogRouter(echo: toJournal ? .journal : .stderr, ringLines: 1000, intake: nil))
    }

    public var toJournal: Bool {
        if case .journal = router.echo { return true }
        return false
    }

    public func handler(for service: ServiceID, pid: @escaping @Sendable () -> Int32?) -> @Sendable (OutputStreamKind, [String]) -> Void {
        let router = router
        return { stream, lines in
            router.lines(lines, service: service, stream: stream, pid: pid())
        }
    }
}
