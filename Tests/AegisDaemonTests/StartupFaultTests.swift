import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// What a service cannot start with, found on disk or on the host: a port another process
/// holds, a missing or non-executable server binary, a corrupted configuration file, a data
/// directory with the wrong owner or mode. Each ends in a clear message; none loses data.
@Suite(.serialized) struct StartupFaultTests {
    /// A listener on `port` that is not ours to stop except by its pid.
    static func occupy(_ port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", \(port))); s.listen(1); print("listening", flush=True); sys.stdin.read()
            """]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = Pipe()
        try process.run()
        _ = output.fileHandleForReading.availableData  // "listening": the port is taken from here on
        return process
    }

    /// Waits until `text` is among the last lines `service` printed (`aegisctl logs`: the same
    /// whether they also go to journald or to aegisd's stderr).
    static func waitForOutput(_ daemon: DaemonHarness, _ service: ServiceID, containing text: String) async throws {
        var last = ""
        do {
            try await Poll.until("\(service.rawValue) to print \(text)", timeout: .seconds(30), every: .milliseconds(200)) {
                last = (try? daemon.aegisctl("logs \(service.rawValue) -n 200").output) ?? ""
                return last.contains(text)
            }
        } catch {
            Issue.record("\(error); its last lines:\n\(last.suffix(2000))")
        }
    }

    static func failFast(_ config: inout AegisConfig) {
        config.supervision.restartMaxFailures = 3
        config.supervision.restartWindowS = 60
    }

    @Test func testPortTakenByAnotherProcess_failsWithTheReason_andStartsOnceFreed() async throws {
        let daemon = try await DaemonHarness(configure: Self.failFast)
        let squatter = try Self.occupy(daemon.config.redis.port)
        defer { if squatter.isRunning { kill(squatter.processIdentifier, SIGKILL) } }
        try daemon.start()
        let report = try await daemon.waitFor("redis failed, the others healthy") { report in
            report.services.first { $0.name == "redis" }?.state == .failed
                && report.services.filter { $0.name.hasPrefix("postgres") }.allSatisfy { $0.healthy }
        }
        let redis = try #require(report.services.first { $0.name == "redis" })
        #expect(redis.message?.contains("aegisctl restart redis") == true, "\(String(describing: redis.message))")
        try await Self.waitForOutput(daemon, .redis, containing: "Address already in use")
        kill(squatter.processIdentifier, SIGKILL)
        squatter.waitUntilExit()
        let restarted = try daemon.aegisctl("restart redis")
        #expect(restarted.status == 0, "\(restarted.output)")
        #expect(try daemon.service(.redis).healthy)
        #expect(try await daemon.terminate() == 0)
    }

    /// A second aegisd on the same state directory (a second unit, a hand-started one) stops
    /// before it writes or cleans anything: the running one's certificates and secrets are
    /// unchanged, and it keeps serving.
    @Test func testASecondAegisdOnTheSameStateDirectory_refusesBeforeTouchingIt() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let watched = ["certs/ca/ca.crt", "certs/postgres/backend/server.crt", "certs/redis/server.key", "secrets/redis.password"].map { "\(daemon.root)/\($0)" }
        let before = try watched.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
        // A staged file as a crash leaves it: the second aegisd must not sweep it either.
        let staged = "\(daemon.root)/secrets/redis.password.tmp.1.2"
        #expect(FileManager.default.createFile(atPath: staged, contents: Data("x".utf8)))
        let second = try DaemonHarness.run("'\(DaemonHarness.aegisd)' --config '\(daemon.configPath)' --stderr-log")
        #expect(second.status == 1)
        let pid = try #require(daemon.process?.processIdentifier)
        #expect(second.output.contains("another aegisd (pid \(pid)) is running on this state directory"), "\(second.output)")
        let after = try watched.map { try FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }
        #expect(before == after)
        #expect(FileManager.default.fileExists(atPath: staged))
        #expect(try daemon.status().services.allSatisfy { $0.healthy || $0.state == .unavailable })
        // The running one exits normally; the next start sweeps the staged file.
        #expect(try await daemon.terminate() == 0)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        #expect(!FileManager.default.fileExists(atPath: staged))
        #expect(daemon.log.contains("removed \(staged), a half-written file"))
        #expect(try await daemon.terminate() == 0)
    }

    /// At start the configuration check refuses it (exit 2, naming the key and the file);
    /// once running, a binary that went away fails only its own service, with the same words.
    @Test(arguments: ["missing", "not executable"])
    func testServerBinaryMissingOrNotExecutable_isRefusedAtStart_andFailsOnlyItsServiceWhenGoneLater(_ problem: String) async throws {
        let directory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegis-bin")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let binary = "\(directory)/redis-server"
        let breakBinary = {
            _ = try DaemonHarness.shell(problem == "missing" ? "rm -f '\(binary)'" : "chmod 0644 '\(binary)'")
        }
        if problem == "not executable" { try DaemonHarness.shell("cp \"$(command -v redis-server)\" '\(binary)'") }
        try breakBinary()
        let daemon = try await DaemonHarness { config in
            Self.failFast(&config)
            config.redis.binary = binary
        }
        try daemon.start()
        #expect(try await daemon.waitForExit(timeout: .seconds(30)) == 2)
        #expect(daemon.log.contains("redis.binary: \(binary) is missing or not executable"), "\(daemon.log)")

        try DaemonHarness.shell("install -m 0755 \"$(command -v redis-server)\" '\(binary)'")
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try breakBinary()
        let pid = try #require(try daemon.service(.redis).pid)
        kill(pid, SIGKILL)
        let report = try await daemon.waitFor("redis to stop trying") { report in
            let redis = report.services.first { $0.name == "redis" }!
            return !redis.healthy && redis.message?.contains("redis-server not found") == true
        }
        let redis = try #require(report.services.first { $0.name == "redis" })
        #expect(redis.message?.contains(binary) == true, "the message names the binary: \(String(describing: redis.message))")
        let othersHealthy = report.services.filter { $0.name.hasPrefix("postgres") }.allSatisfy { $0.healthy }
        #expect(othersHealthy, "the others run")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testCorruptedRedisConfOnDisk_isWrittenAgainAtTheNextLaunch() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        _ = try daemon.redis("SET kept 1")
        let conf = "\(daemon.root)/conf/redis/redis.conf"
        try "appendonly maybe\n\u{0}garbage\n".write(toFile: conf, atomically: false, encoding: .utf8)
        let pid = try #require(try daemon.service(.redis).pid)
        kill(pid, SIGKILL)
        try await daemon.waitFor("redis back") { report in
            report.services.contains { $0.name == "redis" && $0.healthy && $0.pid != pid }
        }
        #expect(try String(contentsOfFile: conf, encoding: .utf8).contains("appendfsync everysec"))
        #expect(try daemon.redis("GET kept") == "1")
        #expect(try await daemon.terminate() == 0)
    }

    /// postgresql.conf is aegisd's (rewritten at every launch); the operator's include,
    /// postgresql.local.conf, is not: a syntax error there stops the instance with PostgreSQL's
    /// own words naming the file and line, and fixing it brings the instance back.
    @Test func testCorruptedPostgresqlConfInclude_failsNamingTheFileAndLine_andRecoversOnceFixed() async throws {
        let daemon = try await DaemonHarness(configure: Self.failFast)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.ownerSQL(.ai, "CREATE TABLE kept(x int); INSERT INTO kept VALUES (1), (2)", granting: ["kept"])
        let include = "\(daemon.root)/conf/postgres-ai/postgresql.local.conf"
        try "work_mem = '8MB'\nshared_buffers = = 'x\n".write(toFile: include, atomically: false, encoding: .utf8)
        let restart = try daemon.aegisctl("restart postgres-ai")
        #expect(restart.status != 0, "\(restart.output)")
        try await daemon.waitFor("postgres-ai failed") { $0.services.first { $0.name == "postgres-ai" }?.state == .failed }
        try await Self.waitForOutput(daemon, .postgresAI, containing: "postgresql.local.conf")
        try "work_mem = '8MB'\n".write(toFile: include, atomically: false, encoding: .utf8)
        #expect(try daemon.aegisctl("restart postgres-ai").status == 0)
        #expect(try daemon.psql(.ai, "SELECT count(*) FROM kept") == "2")
        #expect(try daemon.psql(.ai, "SHOW work_mem") == "8MB")
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testDataDirectoryWithWrongMode_isCorrectedAtLaunch() async throws {
        let daemon = try await DaemonHarness()
        let dataDir = "\(daemon.root)/data/postgres-backend"
        chmod(dataDir, 0o755)  // PostgreSQL refuses a data directory others can read
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        var info = stat()
        stat(dataDir, &info)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(try await daemon.terminate() == 0)
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to hand the files to another owner"))
    func testDataDirectoryOwnedBySomeoneElse_failsWithTheReason_andNothingIsChanged() async throws {
        let daemon = try await DaemonHarness(configure: Self.failFast)
        let dataDir = "\(daemon.root)/data/postgres-backend"
        try DaemonHarness.shell("chown -R root:root '\(dataDir)'")
        let before = try DaemonHarness.shell("cd '\(dataDir)' && find . -type f | sort | xargs md5sum")
        try daemon.start()
        let report = try await daemon.waitFor("postgres-backend failed") {
            $0.services.first { $0.name == "postgres-backend" }?.state == .failed
        }
        let message = report.services.first { $0.name == "postgres-backend" }?.message ?? ""
        #expect(!message.isEmpty)
        try await Self.waitForOutput(daemon, .postgresBackend, containing: "Permission denied")
        #expect(try DaemonHarness.shell("cd '\(dataDir)' && find . -type f | sort | xargs md5sum") == before, "no file was changed")
        #expect(try await daemon.terminate() == 0)
    }
}
