import Foundation

/// The one way the tests wait for something that has no event to wait on (a state of another
/// process, a file, a count behind a socket): check it, and again every `interval`, until it
/// holds or `timeout` passes. Never a plain sleep standing in for the event.
public enum Poll {
    /// Returns once `condition` holds; throws `PollTimeout` naming `what` after `timeout`. A
    /// `condition` that throws ends the wait with its error.
    public static func until(
        _ what: String, timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw PollTimeout(what: what, timeout: timeout) }
            try await Task.sleep(for: interval)
        }
    }
}

/// `Poll.until` ran out of time.
public struct PollTimeout: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration

    public var description: String { "timed out after \(timeout) waiting for \(what)" }
}

extension Poll {
    /// `until` for code that cannot suspend (a synchronous test body): the calling thread sleeps
    /// between checks.
    public static func untilBlocking(
        _ what: String, timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(20),
        _ condition: () throws -> Bool
    ) throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try condition() { return }
            guard ContinuousClock.now < deadline else { throw PollTimeout(what: what, timeout: timeout) }
            Thread.sleep(forTimeInterval: Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        }
    }
}
