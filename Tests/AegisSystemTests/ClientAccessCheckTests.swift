import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// `config check` and clients on other hosts: the drop-in it asks for follows the shipped unit
/// file and whatever drop-ins are already in place.
@Suite struct ClientAccessCheckTests {
    /// Programs that exist (fake executables), and PostgreSQL backend listening on 10.20.0.5 for
    /// clients from 10.20.0.0/16.
    private func remoteConfig(in directory: ConfigTestDirectory) throws -> AegisConfig {
        for program in ["postgres", "initdb", "redis-server", "loki"] {
            try directory.write("bin/\(program)", "#!/bin/sh\n", mode: 0o755)
        }
        var config = AegisConfig.defaults(stateDir: "\(directory.path)/state")
        config.postgres.binDir = "\(directory.path)/bin"
        config.redis.binary = "\(directory.path)/bin/redis-server"
        config.loki.binary = "\(directory.path)/bin/loki"
        config.backup.recipients = [ConfigEnvironmentCheckTests.recipient]
        config.postgres.instances[.backend]!.listenAddresses = ["127.0.0.1", "10.20.0.5"]
        config.postgres.instances[.backend]!.clientNetworks = ["10.20.0.0/16"]
        return config
    }

    /// The unit search path of a test: `etc` (the operator's drop-ins) above `lib` (the package's unit).
    private func units(_ directory: ConfigTestDirectory) -> SystemdUnitFiles {
        SystemdUnitFiles(directories: ["\(directory.path)/etc", "\(directory.path)/run", "\(directory.path)/lib"])
    }

    private func dropInWarnings(_ config: AegisConfig, _ directory: ConfigTestDirectory) -> [ConfigIssue] {
        ConfigEnvironmentCheck(runsAsRoot: false, unitFiles: units(directory)).run(config).warnings
            .filter { $0.path == "client_networks" }
    }

    @Test func testTheShippedUnit_dropsTheClients_untilTheDropInItAsksFor() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try remoteConfig(in: directory)
        let shipped = try String(contentsOfFile: "\(ConfigTestDirectory.packageRoot)/systemd/aegisd.service", encoding: .utf8)
        try directory.write("lib/aegisd.service", shipped)

        let before = ConfigEnvironmentCheck(runsAsRoot: false, unitFiles: units(directory)).run(config)
        #expect(before.isUsable)
        #expect(before.warnings == [ConfigIssue(path: "client_networks", reason: """
            clients from 10.20.0.0/16 will be dropped by the systemd unit's IPAddressAllow=localhost (IPAddressDeny=any) \
            before any server sees them; run `systemctl edit aegisd`, add these lines, then `systemctl restart aegisd`:
            [Service]
            # postgres-backend clients (postgres.backend.client_networks)
            IPAddressAllow=10.20.0.0/16

            """)])

        // Exactly the lines it printed, where `systemctl edit aegisd` puts them.
        try directory.write("etc/aegisd.service.d/override.conf", config.unitDropIn.text)
        #expect(dropInWarnings(config, directory).isEmpty)

        // A later drop-in that resets the list brings the warning back.
        try directory.write("run/aegisd.service.d/zz-lockdown.conf", "[Service]\nIPAddressAllow=\nIPAddressAllow=localhost\n")
        #expect(dropInWarnings(config, directory).count == 1)
        // The same name in /etc hides the one in /run.
        try directory.write("etc/aegisd.service.d/zz-lockdown.conf", "[Service]\n")
        #expect(dropInWarnings(config, directory).isEmpty)
    }

    @Test func testAnOverridingUnitFile_allowingTheNetwork_needsNoDropIn_andNoUnitMeansTheShippedOne() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try remoteConfig(in: directory)
        // Not installed: judged against the shipped unit's allow list.
        #expect(dropInWarnings(config, directory).count == 1)
        try directory.write("lib/aegisd.service", "[Service]\nIPAddressDeny=any\nIPAddressAllow=localhost\n")
        try directory.write("etc/aegisd.service", "[Service]\nIPAddressDeny=any\nIPAddressAllow=localhost 10.0.0.0/8\n")
        #expect(dropInWarnings(config, directory).isEmpty)
    }

    @Test func testARemoteLoki_isNoLongerAdvised_onceADropInLetsItsAddressesOut() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        var config = try remoteConfig(in: directory)
        config.postgres.instances[.backend]!.clientNetworks = []
        config.postgres.instances[.backend]!.listenAddresses = ["127.0.0.1"]
        config.logs.lokiURL = "https://loki.example.net:3100/loki/api/v1/push"
        let shipped = try String(contentsOfFile: "\(ConfigTestDirectory.packageRoot)/systemd/aegisd.service", encoding: .utf8)
        try directory.write("lib/aegisd.service", shipped)
        var check = ConfigEnvironmentCheck(runsAsRoot: false, unitFiles: units(directory))
        check.resolve = { _ in ["203.0.113.7", "2001:db8::7"] }
        #expect(check.run(config).warnings.map(\.path) == ["logs.loki_url"])

        // One of the two addresses allowed: still advised; both: nothing left to add.
        try directory.write("etc/aegisd.service.d/override.conf", "[Service]\nIPAddressAllow=203.0.113.7\n")
        #expect(check.run(config).warnings.map(\.path) == ["logs.loki_url"])
        try directory.write("etc/aegisd.service.d/override.conf", "[Service]\nIPAddressAllow=203.0.113.0/24 2001:db8::/64\n")
        #expect(check.run(config).warnings.isEmpty)
    }
}
