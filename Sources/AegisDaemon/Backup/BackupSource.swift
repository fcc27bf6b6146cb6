import AegisCore
import AegisSystem

/// Something aegisd can back up: it streams its bytes into a sink and says what the manifest
/// should record about them.
protocol BackupSource: Sendable {
    var service: ServiceID { get }
    /// Streams the whole backup into `sink`; throws with the reason when the data is not a
    /// complete, consistent backup (the caller then discards everything written).
    func stream(into sink: SinkHandoff) async throws -> BackupSourceFacts
}

/// What a source knows about the data it streamed.
struct BackupSourceFacts: Sendable, Equatable {
    var database: String?
    var serverVersion: String
    /// Exact counts in the streamed snapshot (`schema.table` → rows; Redis `db0` → keys).
    var rowCounts: [String: Int64]
}

/// Why a backup, restore or drill failed, worded for `aegisctl` and the journal.
struct BackupFailure: Error, Sendable, CustomStringConvertible {
    var reason: String
    init(_ reason: String) { self.reason = reason }
    var description: String { reason }
}
