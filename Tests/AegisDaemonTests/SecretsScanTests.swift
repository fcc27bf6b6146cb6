import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Glibc
import Testing

/// One scan of everything a running daemon exposes, after a backup and a connect-info: no
/// password, backup passphrase, Loki token or private key in any child's command line or
/// environment, in the journal, in the lines shipped to Loki, in `status` or `connect-info`
/// without `--show-secrets`, or in the configuration files it generates; every secret file
/// 0600 and every directory of the state tree the mode docs/operations.md gives it; a local
/// user outside the socket's group refused; the unit's exposure at most 2.0.
@Suite(.serialized) struct SecretsScanTests {
    static let passphrase = "scan-passphrase correct horse battery"
    static let lokiToken = "scan-loki-token-5b1e7c"

    @Test func testNoSecretIsExposed_andModesAreAsDocumented() async throws {
        let journal = try await Journald.ensureRunning()
        let loki = try LokiStandIn()
        loki.credentials = .init(tenant: "scan", authorization: "Bearer \(Self.lokiToken)")
        let daemon = try await DaemonHarness { config in
            config.backup.encryption = "passphrase"
            config.backup.passphraseFile = "\(config.daemon.stateDir)/secrets/backup.passphrase"
            config.logs.lokiURL = loki.url
            config.logs.lokiTenant = "scan"
            config.logs.lokiBearerTokenFile = "\(config.daemon.stateDir)/secrets/loki.token"
            config.logs.batchMaxWaitMs = 100
        }
        let layout = daemon.config.layout
        try FileManager.default.createDirectory(atPath: layout.secretsDir, withIntermediateDirectories: true)
        chmod(layout.secretsDir, 0o700)
        try PassphraseBackupTests.write("\(Self.passphrase)\n", to: daemon.config.backup.passphraseFile)
        try PassphraseBackupTests.write("\(Self.lokiToken)\n", to: daemon.config.logs.lokiBearerTokenFile)
        let started = Date()
        try daemon.start(journal: journal)
        let pid = try #require(daemon.process?.processIdentifier)
        try await daemon.waitUntilAllHealthy()

        // The work that handles secrets: a backup (passphrase), connect-info (passwords).
        try daemon.ownerSQL(.backend, "CREATE TABLE scan (id int PRIMARY KEY); INSERT INTO scan SELECT generate_series(1, 50)", granting: ["scan"])
        let backup = try daemon.aegisctl("backup")
        #expect(backup.status == 0, "\(backup.output)")
        var outputs: [(String, String)] = [("backup", backup.output)]
        for service in ServiceID.allCases {
            for format in ["", " --json"] {
                let info = try daemon.aegisctl("connect-info \(service.rawValue)\(format)")
                outputs.append(("connect-info \(service.rawValue)\(format)", info.output))
            }
        }
        outputs.append(("status", try daemon.aegisctl("status").output))
        outputs.append(("status --json", try daemon.aegisctl("status --json").output))
        outputs.append(("backups", try daemon.aegisctl("backups").output))
        // With --show-secrets the password is there: the scan would see a leak.
        let shown = try daemon.aegisctl("connect-info postgres-backend --show-secrets")
        #expect(shown.output.contains(try daemon.password(.postgresBackend)), "the scan's own check: \(shown.output)")
        try await Poll.until("Redis's lines in the Loki stand-in", timeout: .seconds(30)) {
            !loki.lines(matching: ["job": "aegisd", "service": "redis"]).joined().isEmpty
        }

        let secrets = try Self.secrets(in: layout)
        #expect(secrets.count >= 8, "\(secrets.map(\.0))")

        // Children's command lines and environments, while they run.
        let processes = daemon.ourProcesses().filter { $0 != getpid() } + [pid]
        #expect(processes.count >= 6, "aegisd and its five children")
        for process in processes {
            outputs.append(("cmdline of \(process)", ProcessTable.commandLine(process).joined(separator: " ")))
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(process)/environ"))) ?? Data()
            outputs.append(("environ of \(process)", String(decoding: environ.map { $0 == 0 ? 0x0A : $0 }, as: UTF8.self)))
        }
        // Modes, while it runs (the socket is there): every secret 0600, every path as documented.
        for file in Set(secrets.map(\.0)) {
            #expect(Self.mode(file) == 0o600, "\(file) has mode \(String(Self.mode(file) ?? 0, radix: 8))")
        }
        let documented = try Self.documentedModes()
        #expect(documented.count >= 10, "the table in docs/operations.md")
        for (pattern, mode) in documented {
            let matches = Self.expand(pattern, in: layout.root)
            #expect(!matches.isEmpty, "docs/operations.md names \(pattern), which is not on disk")
            for path in matches {
                #expect(Self.mode(path) == mode, "\(path): mode \(String(Self.mode(path) ?? 0, radix: 8)), documented \(String(mode, radix: 8))")
            }
        }
        // And no directory of the tree goes undocumented (the data directories' insides are the servers').
        for directory in Self.directories(under: layout.root, depth: 2) {
            let relative = String(directory.dropFirst(layout.root.count + 1))
            #expect(documented.contains { Self.matches(relative, $0.pattern) }, "\(relative)/ is not in docs/operations.md")
        }
        #expect(try await daemon.terminate() == 0)

        // What was said: the journal (or aegisd's stderr), and Loki.
        if journal {
            try await Poll.until("aegisd's last line in the journal") {
                !((try? Journald.entries(["_PID=\(pid)", "MESSAGE=aegisd stopped"], since: started)) ?? []).isEmpty
            }
            let entries = try Journald.entries([], since: started)
            #expect(entries.contains { $0["_PID"] == "\(pid)" }, "aegisd's own entries in the journal")
            outputs.append(("journal", entries.map { $0.values.sorted().joined(separator: " ") }.joined(separator: "\n")))
        }
        outputs.append(("aegisd's stderr", daemon.log))
        let shipped = loki.streams.values.flatMap { $0 }.map { "\($0)" }.joined(separator: "\n")
        #expect(!shipped.isEmpty)
        outputs.append(("logs shipped to Loki", shipped))
        // Generated configuration: hashes and verifiers only.
        for file in Self.files(under: layout.configDir) {
            outputs.append((file, (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""))
        }
        outputs.append(("aegisd.toml", try String(contentsOfFile: daemon.configPath, encoding: .utf8)))

        for (place, text) in outputs {
            let haystack = text.lowercased()
            for (name, secret) in secrets where haystack.contains(secret.lowercased()) {
                Issue.record("the secret \(name) appears in \(place)")
            }
        }
        let scanned = outputs.reduce(0) { $0 + $1.1.utf8.count }
        print("secrets scan: \(secrets.count) secrets from \(Set(secrets.map(\.0)).count) files, \(outputs.count) places, \(scanned) bytes; journal: \(journal)")
    }

    /// A local user outside the socket's group is refused, whatever it asks.
    @Test func testAUserOutsideTheSocketGroup_isRefused() async throws {
        let daemon = try await DaemonHarness(withClusters: false) { config in
            for instance in PostgresInstance.allCases { config.postgres.instances[instance]?.enabled = false }
            config.redis.enabled = false
            config.loki.enabled = false
        }
        try daemon.start()
        try await Poll.until("the control socket") { (try? daemon.status()) != nil }
        // The way to the socket is open to others (so the refusal is the socket's, 0660
        // root:socket group, and not a directory's); the socket itself is not.
        #expect(Self.mode(daemon.config.layout.root) == 0o755 && Self.mode(daemon.config.layout.runDir) == 0o755)
        #expect(Self.mode(daemon.config.daemon.socket) == 0o660)
        let outsider = try DaemonHarness.run(
            "setpriv --reuid=nobody --regid=nogroup --clear-groups -- '\(DaemonHarness.aegisctl)' --socket '\(daemon.config.daemon.socket)' status")
        #expect(outsider.status != 0, "\(outsider.output)")
        #expect(outsider.output.lowercased().contains("permission denied"), "\(outsider.output)")
        #expect(!outsider.output.contains("postgres-backend"), "\(outsider.output)")
        #expect(try daemon.aegisctl("status").status == 0)
        #expect(try await daemon.terminate() == 0)
    }

    /// The unit's hardening, as `make check-unit` scores it.
    @Test func testTheUnitsExposure_isAtMostTwo() throws {
        let unit = ConfigTestPaths.packageRoot + "/systemd/aegisd.service"
        let result = try DaemonHarness.run("systemd-analyze security --offline=true '\(unit)' | tail -1")
        let score = result.output.split(separator: " ").compactMap { Double($0) }.first
        #expect(score != nil && score! <= 2.0, "\(result.output)")
    }

    // MARK: - Helpers

    /// Every secret on disk, named: each file in secrets/ (passwords, the passphrase, the Loki
    /// token) and each private key under certs/ (a line of its base64 body is enough to spot).
    static func secrets(in layout: StateLayout) throws -> [(String, String)] {
        var found: [(String, String)] = []
        for file in files(under: layout.secretsDir) {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for line in text.split(whereSeparator: \.isNewline) where line.count >= 8 && !line.hasPrefix("#") && !line.hasPrefix("age1") {
                found.append((file, String(line)))
            }
        }
        for file in files(under: layout.certsDir) where file.hasSuffix(".key") {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }
            // The first line is mostly the algorithm's fixed prefix; the next is all key.
            if let line = body.dropFirst().first ?? body.first { found.append((file, String(line))) }
        }
        return found
    }

    static func files(under root: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files: [String] = []
        while let next = enumerator?.nextObject() as? String {
            var info = stat()
            if lstat("\(root)/\(next)", &info) == 0, info.st_mode & S_IFMT == S_IFREG { files.append("\(root)/\(next)") }
        }
        return files.sorted()
    }

    /// Files and sockets (not directories) under `root`.
    static func entries(under root: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: root)
        var found: [String] = []
        while let next = enumerator?.nextObject() as? String {
            var info = stat()
            if lstat("\(root)/\(next)", &info) == 0, info.st_mode & S_IFMT != S_IFDIR { found.append("\(root)/\(next)") }
        }
        return found
    }

    static func directories(under root: String, depth: Int) -> [String] {
        guard depth > 0 else { return [] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().flatMap { name -> [String] in
            let path = "\(root)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return [] }
            return [path] + directories(under: path, depth: depth - 1)
        }
    }

    static func mode(_ path: String) -> UInt32? {
        var info = stat()
        return lstat(path, &info) == 0 ? UInt32(info.st_mode & 0o7777) : nil
    }

    /// The rows of the modes table in docs/operations.md: `| \`data/*/\` | \`0700\` | … |`.
    static func documentedModes() throws -> [(pattern: String, mode: UInt32)] {
        let doc = try String(contentsOfFile: ConfigTestPaths.packageRoot + "/docs/operations.md", encoding: .utf8)
        guard let start = doc.range(of: "## Files and their modes") else { return [] }
        return doc[start.upperBound...].split(separator: "\n").prefix { !$0.hasPrefix("## ") }.compactMap { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[0].hasPrefix("`"), cells[1].hasPrefix("`0"),
                  let mode = UInt32(cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), radix: 8)
            else { return nil }
            return (cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), mode)
        }
    }

    /// `pattern` relative to the state directory, `*` standing for one path component; a
    /// trailing `/` names directories only.
    static func matches(_ relative: String, _ pattern: String) -> Bool {
        let wantsDirectory = pattern.hasSuffix("/")
        let parts = pattern.split(separator: "/")
        let components = relative.split(separator: "/")
        guard parts.count == components.count, wantsDirectory || !relative.isEmpty else { return false }
        return zip(parts, components).allSatisfy { part, component in
            part == "*" || part == component || (part.hasPrefix("*.") && component.hasSuffix(part.dropFirst()))
        }
    }

    static func expand(_ pattern: String, in root: String) -> [String] {
        let all = directories(under: root, depth: 4) + entries(under: root)
        return all.filter { path in
            let relative = String(path.dropFirst(root.count + 1))
            var info = stat()
            let isDirectory = lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
            return pattern.hasSuffix("/") == isDirectory && matches(relative, pattern)
        } + (pattern == "./" ? [root] : [])
    }
}

/// Where the package's files are, for tests that read its docs and units.
enum ConfigTestPaths {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}
