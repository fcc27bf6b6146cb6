import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// `config check` and a store on another host: the drop-in for the address rclone connects to,
/// read from the remote's section of `rclone_config`, until the unit lets it out.
@Suite struct OffsiteDropInCheckTests {
    private func offsiteConfig(in directory: ConfigTestDirectory, endpoint: String) throws -> AegisConfig {
        for program in ["postgres", "initdb", "redis-server", "loki"] {
            try directory.write("bin/\(program)", "#!/bin/sh\n", mode: 0o755)
        }
        var config = AegisConfig.defaults(stateDir: "\(directory.path)/state")
        config.postgres.binDir = "\(directory.path)/bin"
        config.redis.binary = "\(directory.path)/bin/redis-server"
        config.loki.binary = "\(directory.path)/bin/loki"
        config.backup.recipients = [ConfigEnvironmentCheckTests.recipient]
        config.offsite.remote = "store:aegis-backups/db1"
        config.offsite.rcloneConfig = try directory.write("rclone.conf", """
            [store]
            type = s3
            provider = Minio
            access_key_id = AKIDEXAMPLE
            secret_access_key = s3cr3t-never-printed
            \(endpoint)

            """, mode: 0o600)
        return config
    }

    private func check(_ directory: ConfigTestDirectory, resolve: (@Sendable (String) -> [String])? = nil) -> ConfigEnvironmentCheck {
        var check = ConfigEnvironmentCheck(
            runsAsRoot: false,
            unitFiles: SystemdUnitFiles(directories: ["\(directory.path)/etc", "\(directory.path)/lib"]))
        check.resolve = resolve
        return check
    }

    @Test func testAStoreOnAnotherHost_getsTheDropInForItsAddress_untilTheUnitLetsItOut() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try offsiteConfig(in: directory, endpoint: "endpoint = http://203.0.113.9:8333")
        let shipped = try String(contentsOfFile: "\(ConfigTestDirectory.packageRoot)/systemd/aegisd.service", encoding: .utf8)
        try directory.write("lib/aegisd.service", shipped)

        let report = check(directory).run(config)
        #expect(report.isUsable)
        #expect(report.warnings == [ConfigIssue(
            path: "offsite.remote",
            reason: "the host 203.0.113.9 is outside the shipped unit's IPAddressAllow=localhost: under systemd the kernel "
                + "blocks every upload to it. Run `systemctl edit aegisd`, add\n[Service]\nIPAddressAllow=203.0.113.9\n"
                + "then `systemctl restart aegisd`")])
        #expect(!"\(report)".contains("s3cr3t") && !"\(report)".contains("AKIDEXAMPLE"))

        // The lines it printed, where `systemctl edit aegisd` puts them: nothing more to say.
        try directory.write("etc/aegisd.service.d/override.conf", LokiUnitDropIn.text(addresses: ["203.0.113.9"]))
        #expect(check(directory).run(config).warnings.isEmpty)
    }

    @Test func testAStoreByName_namesItsResolvedAddresses() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let config = try offsiteConfig(in: directory, endpoint: "endpoint = https://s3.example.net")
        let warnings = check(directory) { $0 == "s3.example.net" ? ["198.51.100.20", "2001:db8::20"] : [] }.run(config).warnings
        #expect(warnings.map(\.path) == ["offsite.remote"])
        #expect(warnings.first?.reason.hasPrefix("the host s3.example.net (198.51.100.20, 2001:db8::20) is outside") == true)
        #expect(warnings.first?.reason.contains("\nIPAddressAllow=198.51.100.20 2001:db8::20\n") == true)
    }

    @Test func testAStoreOnLoopback_needsNothing_andAProviderDefaultEndpointAsksForItsNetworks() throws {
        let directory = try ConfigTestDirectory()
        defer { directory.remove() }
        let local = try offsiteConfig(in: directory, endpoint: "endpoint = http://127.0.0.1:8333")
        #expect(check(directory).run(local).warnings.isEmpty)

        let aws = try offsiteConfig(in: directory, endpoint: "region = eu-west-1")
        let warnings = check(directory).run(aws).warnings
        #expect(warnings.map(\.path) == ["offsite.remote"])
        #expect(warnings.first?.reason.hasPrefix("the remote store (type s3) names no endpoint") == true)
        #expect(warnings.first?.reason.contains("\nIPAddressAllow=<the provider's networks, or any>\n") == true)
        try directory.write("etc/aegisd.service.d/override.conf", "[Service]\nIPAddressAllow=any\n")
        #expect(check(directory).run(aws).warnings.isEmpty)
    }
}
