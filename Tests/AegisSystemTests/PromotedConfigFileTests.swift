import AegisCore
import AegisSystem
import Foundation
import Testing

/// aegisctl's rewrite of the configuration file after `promote`, for when aegisd cannot write it.
@Suite struct PromotedConfigFileTests {
    static func file(_ text: String) throws -> (directory: String, path: String) {
        let directory = NSTemporaryDirectory() + "promoted-config-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/aegisd.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o640)
        return (directory, path)
    }

    static let standby = """
        # the operator's note
        [replication]
        role = "standby"
        primary_host = "db1"
        primary_backend_port = 5432
        primary_ai_port = 5433
        primary_executor_port = 5434
        slot_name = "standby_b"

        [redis]
        enabled = false

        """

    @Test func aStandbysFile_isRewrittenOnce_keepingItsModeAndLines() throws {
        let (directory, path) = try Self.file(Self.standby)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(PromotedConfigFile.update(path: path, promotedNow: [.postgresAI]) == .rewritten)
        let once = try String(contentsOfFile: path, encoding: .utf8)
        #expect(once == Self.standby.replacing("role = \"standby\"\n", with: "role = \"standby\"\npromoted = [\"postgres-ai\"]\n"))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        // Run again (or after aegisd rewrote it): nothing to change.
        #expect(PromotedConfigFile.update(path: path, promotedNow: [.postgresAI]) == .unchanged)
        #expect(PromotedConfigFile.update(path: path, promotedNow: [.postgresBackend, .postgresExecutor]) == .rewritten)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("role = \"primary\"\nprimary_host"), "every instance promoted, Redis off")
    }

    @Test func aFileThatCannotBeEdited_saysWhatToSetByHand() throws {
        let (directory, path) = try Self.file("[tls]\nenabled = true\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard case .failed(let reason) = PromotedConfigFile.update(path: path, promotedNow: [.redis]) else {
            Issue.record("a file without [replication] was edited")
            return
        }
        #expect(reason.contains("no [replication] section") && reason.contains("by hand"), "\(reason)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "[tls]\nenabled = true\n")
        guard case .failed(let missing) = PromotedConfigFile.update(path: "\(directory)/none.toml", promotedNow: [.redis]) else {
            Issue.record("a missing file was not reported")
            return
        }
        #expect(missing.contains("does not exist"))
    }
}
