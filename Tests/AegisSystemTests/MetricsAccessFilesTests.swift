import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

@Suite struct MetricsAccessFilesTests {
    @Test func testAPasswordFileOpenToOthers_missingOrEmpty_closesTheEndpoint_withWhatToDo() throws {
        let directory = NSTemporaryDirectory() + "metrics-access-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var settings = MetricsSettings()
        settings.basicAuthUser = "prometheus"
        settings.basicAuthPasswordFile = "\(directory)/password"

        guard case .failure(let missing) = MetricsAccessFiles.read(settings) else { Issue.record("a missing file was accepted"); return }
        #expect(missing.message.contains("\(directory)/password is missing, unreadable or empty"))

        try "pass\n".write(toFile: settings.basicAuthPasswordFile, atomically: true, encoding: .utf8)
        chmod(settings.basicAuthPasswordFile, 0o644)
        guard case .failure(let open) = MetricsAccessFiles.read(settings) else { Issue.record("a 0644 file was accepted"); return }
        #expect(open.message.contains("readable by group or others (mode 644); run `chmod 600 \(directory)/password`"))
        #expect(!open.message.contains("pass\n"))

        chmod(settings.basicAuthPasswordFile, 0o600)
        let expected = try #require(BasicCredentials(user: "prometheus", passwordFileContent: "pass"))
        #expect(try MetricsAccessFiles.read(settings).get() == .basic(expected))

        try "\n".write(toFile: settings.basicAuthPasswordFile, atomically: true, encoding: .utf8)
        chmod(settings.basicAuthPasswordFile, 0o600)
        guard case .failure = MetricsAccessFiles.read(settings) else { Issue.record("an empty file was accepted"); return }

        #expect(try MetricsAccessFiles.read(MetricsSettings()).get() == .open)
    }
}
