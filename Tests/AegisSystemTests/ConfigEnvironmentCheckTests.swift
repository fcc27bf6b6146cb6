import AegisCore
import AegisSystem
import Glibc
import Testing

@Suite struct ConfigEnvironmentCheckTests {
    /// A configuration whose programs all exist in `binDir` (fake executables).
    private func fakeInstallation(in directory: ConfigTestDirectory, programs: [String]) throws -> AegisConfig {
        for program in programs {
            try directory.write("bin/\(program)", "#!/bin/sh\n", mode: 0o755)
        }
        var config = AegisConfig.defaults(stateDir: "\(directory.path)/state")
        config.postgres.binDir = "\(directory.path)/bin"
        config.redis.binary = "\(directory.path)/bin/redis-server"
        config.loki.binary = "\(directory.path)/bin/loki"
        config.backup.recipients = [Self.recipient]
        return config
    }

    /// The example recipient of age's README.
    static let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

    @Test func testLokiCAFile_withoutCertificates_isAWarning() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        config.logs.lokiURL = "https://loki.example.net:3100"
        config.logs.lokiCAFile = "\(directory.path)/missing-ca.pem"
        var check = ConfigEnvironmentCheck(runsAsRoot: false)
        check.resolve = { _ in ["203.0.113.7"] }
        // Beside the IPAddressAllow advice every remote loki_url gets (tested below).
        func caWarnings() -> [ConfigIssue] { check.run(config).warnings.filter { $0.path == "logs.loki_ca_file" } }
        let report = check.run(config)
        let missing = caWarnings()
        #expect(report.errors.isEmpty && missing.count == 1)
        #expect(missing.first?.reason.contains("\(directory.path)/missing-ca.pem") == true, "\(missing)")
        try directory.write("not-a-ca.pem", "hello\n", mode: 0o644)
        config.logs.lokiCAFile = "\(directory.path)/not-a-ca.pem"
        #expect(caWarnings() == [ConfigIssue(
            path: "logs.loki_ca_file",
            reason: "\(directory.path)/not-a-ca.pem does not hold PEM CA certificates: pushes to Loki will fail verification until it does")])
        let ca = try CertificateAuthority.create(validity: .days(10, from: TLSTestSupport.realNow))
        try directory.write("ca.pem", try ca.certificate.pemEncoded(), mode: 0o644)
        config.logs.lokiCAFile = "\(directory.path)/ca.pem"
        #expect(check.run(config).errors.isEmpty && caWarnings().isEmpty)
    }

    @Test func testRemoteLoki_credentialFiles_missingOrReadableByOthers_areErrors_andTheirContentsNeverShow() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        config.logs.lokiURL = "https://loki.example.net:3100"
        config.logs.lokiUsername = "shipper"
        config.logs.lokiPasswordFile = "\(directory.path)/loki.password"
        var check = ConfigEnvironmentCheck(runsAsRoot: false)
        check.resolve = { _ in ["203.0.113.7"] }
        #expect(check.run(config).errors == [ConfigIssue(
            path: "logs.loki_password_file",
            reason: "cannot read \(directory.path)/loki.password: No such file or directory; write the secret into it (chmod 600) "
                + "or change logs.loki_password_file")])
        try directory.write("loki.password", "hunter2-secret\n", mode: 0o644)
        let open = check.run(config).errors
        #expect(open == [ConfigIssue(
            path: "logs.loki_password_file",
            reason: "\(directory.path)/loki.password is open to others (mode 644); run `chmod o-rwx \(directory.path)/loki.password` "
                + "(0600 owned by aegisd's account, or 0640 with its group)")])
        chmod("\(directory.path)/loki.password", 0o640)
        #expect(check.run(config).errors.isEmpty, "group-readable (root:aegis 0640) is private enough")
        #expect(try LokiCredentialFiles.load(config.logs) == LokiCredentials(authorization: .basic(username: "shipper", password: "hunter2-secret")))

        try directory.write("loki.token", "  \n", mode: 0o600)
        config.logs.lokiUsername = ""
        config.logs.lokiPasswordFile = ""
        config.logs.lokiBearerTokenFile = "\(directory.path)/loki.token"
        #expect(check.run(config).errors == [ConfigIssue(path: "logs.loki_bearer_token_file", reason: "\(directory.path)/loki.token is empty")])
        try directory.write("loki.token", "tok.abc-123\n", mode: 0o600)
        config.logs.lokiTenant = "acme"
        #expect(try LokiCredentialFiles.load(config.logs) == LokiCredentials(tenant: "acme", authorization: .bearer(token: "tok.abc-123")))
        let report = check.run(config)
        #expect(report.errors.isEmpty)
        #expect(!"\(report)".contains("hunter2") && !"\(report)".contains("tok.abc"))
    }

    @Test func testRemoteLoki_getsTheDropInItsAddressNeeds_andCredentialsOverPlainHTTPAreAWarning() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        var check = ConfigEnvironmentCheck(runsAsRoot: false)
        check.resolve = { host in host == "loki.example.net" ? ["203.0.113.7", "2001:db8::7"] : [] }
        config.logs.lokiURL = "https://loki.example.net:3100/loki/api/v1/push"
        let warnings = check.run(config).warnings
        #expect(warnings.map(\.path) == ["logs.loki_url"])
        #expect(warnings.first?.reason == LokiUnitDropIn.advice(host: "loki.example.net", addresses: ["203.0.113.7", "2001:db8::7"]))
        #expect(warnings.first?.reason.contains("IPAddressAllow=203.0.113.7 2001:db8::7\n") == true)

        // Loopback needs nothing; the real resolver is used for localhost.
        config.logs.lokiURL = "http://127.0.0.1:3100/loki/api/v1/push"
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config) == ConfigCheckReport())

        try directory.write("loki.password", "pw\n", mode: 0o600)
        config.logs.lokiURL = "http://10.0.0.5:3100/loki/api/v1/push"
        config.logs.lokiUsername = "shipper"
        config.logs.lokiPasswordFile = "\(directory.path)/loki.password"
        let plain = check.run(config).warnings
        #expect(plain.count == 2 && plain.allSatisfy { $0.path == "logs.loki_url" })
        #expect(plain.first?.reason == "credentials would cross the network in clear over http:// to 10.0.0.5; use https://")
        #expect(plain.last?.reason.contains("\nIPAddressAllow=10.0.0.5\n") == true)
    }

    @Test func testBackups_anUnknownTimeZoneIsAnError_aMissingKeyAWarning() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        config.backup.timeZone = "Europe/Berlin"
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config) == ConfigCheckReport())
        config.backup.timeZone = "Mars/Olympus"
        config.backup.recipients = []
        let report = ConfigEnvironmentCheck(runsAsRoot: false).run(config)
        #expect(report.errors.map(\.path) == ["backup.time_zone"])
        #expect(report.warnings.map(\.path) == ["backup.recipients"])
        config.backup.timeZone = "local"
        config.backup.encryption = "passphrase"
        config.backup.passphraseFile = "\(directory.path)/no-such-passphrase"
        let passphrase = ConfigEnvironmentCheck(runsAsRoot: false).run(config)
        #expect(passphrase.errors.isEmpty)
        #expect(passphrase.warnings.map(\.path) == ["backup.passphrase_file"])
    }

    /// `config check` reads the passphrase file by the rule sealing and restore use: a file they
    /// would refuse is an error here, naming the file; a usable one is no issue at all.
    @Test(arguments: [
        ("a\nb\n", 0o600 as mode_t, "more than one line"),
        ("\nsecret\n", 0o600, "more than one line"),
        ("\n", 0o600, "is empty"),
        ("secret\n", 0o640, "chmod 600"),
        ("secret\n", 0o604, "chmod 600"),
    ])
    func testAPassphraseFileTheBackupsWouldRefuse_isAnError(contents: String, mode: mode_t, says: String) throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        config.backup.encryption = "passphrase"
        config.backup.passphraseFile = try directory.write("backup.passphrase", "secret\r\n", mode: 0o600)
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config) == ConfigCheckReport())
        try directory.write("backup.passphrase", contents, mode: mode)
        let report = ConfigEnvironmentCheck(runsAsRoot: false).run(config)
        #expect(report.errors.map(\.path) == ["backup.passphrase_file"])
        let reason = try #require(report.errors.first?.reason)
        #expect(reason.contains(config.backup.passphraseFile) && reason.contains(says), "\(reason)")
        #expect(!reason.contains("secret"))
    }

    @Test func testAComplete_installation_hasNoIssues() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config) == ConfigCheckReport())
    }

    @Test func testABinDirWithoutPostgres_namesTheMissingPrograms() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try fakeInstallation(in: directory, programs: ["initdb", "redis-server", "loki"])
        try directory.write("bin/postgres", "not executable", mode: 0o644)
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config).errors == [
            ConfigIssue(path: "postgres.bin_dir", reason: "\(directory.path)/bin/postgres is missing or not executable")
        ])
    }

    @Test func testAMissingBinDir_isOneIssue_unlessEveryPostgresIsDisabled() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["redis-server", "loki"])
        config.postgres.binDir = "\(directory.path)/nowhere"
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config).errors.map(\.path) == ["postgres.bin_dir"])
        for instance in PostgresInstance.allCases { config.postgres.instances[instance]!.enabled = false }
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config).errors.isEmpty)
    }

    @Test func testRedis_isLookedUpOnPATH_andMissingRedisIsAnError() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        config.redis.binary = "redis-server"
        #expect(ConfigEnvironmentCheck(runsAsRoot: false, searchPath: "/nowhere:\(directory.path)/bin").run(config).errors.isEmpty)
        let errors = ConfigEnvironmentCheck(runsAsRoot: false, searchPath: "/nowhere").run(config).errors
        #expect(errors.map(\.path) == ["redis.binary"])
        #expect(errors.first?.reason.hasPrefix("redis-server was not found on PATH") == true)
    }

    @Test func testAMissingLoki_isAWarning_notAnError() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server"])
        let report = ConfigEnvironmentCheck(runsAsRoot: false).run(config)
        #expect(report.isUsable)
        #expect(report.warnings.map(\.path) == ["loki.binary"])
        #expect(report.warnings.first?.reason.contains("unavailable") == true)
        config.loki.enabled = false
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config).warnings.isEmpty)
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to create directories the service user cannot enter"))
    func testAsRoot_a0700AncestorOfTheStateDir_isNamed() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        let user = ConfigTestDirectory.serviceUser
        chmod(directory.path, 0o755)  // mkdtemp makes 0700 directories: it would be the blocker
        let home = try directory.makeDirectory("home", mode: 0o700)
        config.daemon.stateDir = "\(home)/x/var"
        config.daemon.user = user
        config.daemon.socketGroup = "root"
        let errors = ConfigEnvironmentCheck(runsAsRoot: true).run(config).errors
        #expect(errors == [ConfigIssue(
            path: "aegisd.state_dir",
            reason: "\(home) is mode 0700: the service user \(user) cannot reach \(home)/x/var; "
                + "move state_dir or chmod o+x \(home)")])

        chmod(home, 0o711)
        #expect(ConfigEnvironmentCheck(runsAsRoot: true).run(config).errors.isEmpty)
    }

    @Test(.enabled(if: geteuid() == 0, "the account checks run only when aegisd is root"))
    func testAsRoot_aMissingUserOrGroup_isNamed() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try fakeInstallation(in: directory, programs: ["postgres", "initdb", "redis-server", "loki"])
        config.daemon.user = "no_such_user_aegis"
        config.daemon.socketGroup = "no_such_group_aegis"
        let errors = ConfigEnvironmentCheck(runsAsRoot: true).run(config).errors
        #expect(errors.map(\.path) == ["aegisd.socket_group", "aegisd.user"])
        #expect(ConfigEnvironmentCheck(runsAsRoot: false).run(config).errors.isEmpty)

        config.daemon.user = "root"
        config.daemon.socketGroup = "root"
        #expect(ConfigEnvironmentCheck(runsAsRoot: true).run(config).errors == [
            ConfigIssue(path: "aegisd.user", reason: "must not be root: PostgreSQL refuses to run as root")
        ])
    }
}
