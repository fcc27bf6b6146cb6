import AegisCore
import Foundation
import Testing
import AegisTestSupport

/// systemd's own journalctl indexes `systemd/aegisd.catalog` and lists an entry for every
/// alert kind's MESSAGE_ID.
@Suite struct AlertCatalogTests {
    @Test func testJournalctl_indexesTheCatalog_withEveryAlertKind() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aegis-catalog-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: "\(root)/usr/lib/systemd/catalog", withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: "\(ConfigTestDirectory.packageRoot)/systemd/aegisd.catalog", toPath: "\(root)/usr/lib/systemd/catalog/aegisd.catalog")
        let update = try Self.run(["journalctl", "--root=\(root)", "--update-catalog"])
        #expect(update.status == 0, "\(update.output)")
        let list = try Self.run(["journalctl", "--root=\(root)", "--list-catalog"])
        let listed = Set(list.output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
        #expect(listed == Set(AlertKind.allCases.map(\.messageID)), "\(list.output)")
    }

    /// Exit status, and standard output followed by standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try ExternalCommand.run("/usr/bin/env", arguments)
        return (result.status, result.output + result.errors)
    }
}
