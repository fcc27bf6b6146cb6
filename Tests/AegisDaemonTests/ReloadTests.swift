import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// Reloads against the real daemon: only changed services restart, a bad file changes nothing.
@Suite(.serialized) struct ReloadTests {
    func pids(_ daemon: DaemonHarness) throws -> [ServiceID: Int32] {
        var pids: [ServiceID: Int32] = [:]
        for service in daemon.config.postgres.instances.keys.map(\.serviceID) + [.redis] {
            pids[service] = try daemon.service(service).pid
        }
        return pids
    }

    @Test func testReload_restartsOnlyTheChangedService_withItsNewSettings() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let before = try pids(daemon)
        try daemon.rewriteConfig { $0.postgres.instances[.ai]!.workMem = "24MB" }

        let result = try daemon.aegisctl("reload")
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("restarting postgres-ai"), "\(result.output)")
        try await daemon.waitUntilAllHealthy()
        let after = try pids(daemon)
        #expect(after[.postgresAI] != before[.postgresAI])
        for service in [ServiceID.postgresBackend, .postgresExecutor, .redis] {
            #expect(after[service] == before[service], "\(service.rawValue) was restarted")
        }
        #expect(try daemon.psql(.ai, "SHOW work_mem") == "24MB")
        #expect(try await daemon.terminate() == 0)
    }

    /// The free space in status and /metrics follows a reload that moves the backups.
    @Test func testReloadMovingTheBackupDirectory_movesItsFilesystemFigures() async throws {
        let daemon = try await DaemonHarness { $0.loki.enabled = false }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let moved = "\(daemon.root)/moved-backups"
        #expect(try !daemon.status().filesystems!.map(\.path).contains(moved))
        try daemon.rewriteConfig { $0.backup.directory = moved }
        let result = try daemon.aegisctl("reload")
        #expect(result.status == 0, "\(result.output)")
        #expect(try daemon.status().filesystems!.map(\.path).contains(moved))
        #expect(try await daemon.terminate() == 0)
    }

    /// Reloads at the same moment run one after the other: the change is applied once, and
    /// the later ones find nothing left to do.
    @Test func testConcurrentReloads_applyAChangeOnce() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let before = try daemon.service(.redis)
        try daemon.rewriteConfig { $0.redis.maxmemory = "96mb" }

        // Three clients at once, as separate processes (a shell's `wait` would hang here: the
        // test process's children inherit blocked signals).
        let clients = try (1...3).map { index in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: DaemonHarness.aegisctl)
            process.arguments = ["--socket", daemon.config.daemon.socket, "reload"]
            let output = "\(daemon.root)/reload-\(index).out"
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: output)
            process.standardError = FileHandle(forWritingAtPath: output)
            try process.run()
            return (process, output)
        }
        var outputs = ""
        for (process, output) in clients {
            process.waitUntilExit()
            outputs += try String(contentsOfFile: output, encoding: .utf8) + "exit \(process.terminationStatus)\n"
        }
        #expect(outputs.components(separatedBy: "exit 0").count == 4, "\(outputs)")
        #expect(outputs.components(separatedBy: "restarting redis").count == 2, "\(outputs)")
        try await daemon.waitUntilAllHealthy()
        let after = try daemon.service(.redis)
        #expect(after.pid != before.pid)
        #expect(try daemon.redis("CONFIG GET maxmemory").hasSuffix(String(96 * 1024 * 1024)))
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testABadConfiguration_isRefused_andTheRunningOneStays() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let before = try pids(daemon)
        let good = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
        try daemon.rewriteConfig(raw: good.replacingOccurrences(of: "[redis]", with: "[redis]\nmaxmemroy = \"1gb\""))

        let result = try daemon.aegisctl("reload")
        #expect(result.status == 1)
        #expect(result.output.contains("redis.maxmemroy: unknown key; did you mean redis.maxmemory?"), "\(result.output)")
        #expect(try pids(daemon) == before)
        #expect(try daemon.service(.redis).healthy)
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testSIGHUP_reloads_withReloadingAndReadyOnTheNotifySocket() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let redisBefore = try daemon.service(.redis).pid
        try daemon.rewriteConfig { $0.redis.maxmemory = "128mb" }
        kill(try #require(daemon.process?.processIdentifier), SIGHUP)
        try await Poll.until("RELOADING=1", timeout: .seconds(30)) { daemon.notify.assignments.contains("RELOADING=1") }
        try await daemon.waitFor("redis restarted") { report in
            report.services.contains { $0.name == "redis" && $0.healthy && $0.pid != redisBefore }
        }
        #expect(try daemon.redis("CONFIG GET maxmemory").hasSuffix("134217728"))
        try await Poll.until("READY=1 after the reload", timeout: .seconds(30)) {
            let lines = daemon.notify.assignments
            guard let reloading = lines.lastIndex(of: "RELOADING=1") else { return false }
            return lines[reloading...].contains("READY=1")
        }
        #expect(try await daemon.terminate() == 0)
    }
}
