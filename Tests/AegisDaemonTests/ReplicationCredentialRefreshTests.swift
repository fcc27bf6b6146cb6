import AegisCore
import AegisSystem
import AegisTestSupport
import Foundation
import Testing

/// A standby's replication client certificate comes from the primary's CA with the primary's
/// `[tls] leaf_validity_days`: the standby watches it (certs status, the status warnings,
/// `/metrics`), and `aegisctl replication rejoin --bundle NEW` on the standby stores a new
/// bundle's credentials in place and restarts the services that follow, which stream again
/// with the new certificate (seen by the primary in `pg_stat_ssl`). While that runs, a
/// promotion is refused at once.
@Suite(.serialized) struct ReplicationCredentialRefreshTests {
    @Test func aStandbyWatchesItsReplicationCertificate_andANewBundleRefreshesItInPlace() async throws {
        let pair = try await ReplicationPair.start { config in
            config.tls.leafValidityDays = 10
            config.tls.renewBeforeDays = 2
        }
        let (primary, standby) = (pair.primary, pair.standby)

        // Watched: under 14 days left, with what to do, in certs status, status and /metrics.
        let before = try #require(try replicationClient(of: standby), "no replication-client in certs status")
        let first = try #require(before.info)
        #expect(before.problem == nil && (before.daysLeft ?? 99) < 14, "\(before)")
        let warnings = try standby.status().certificateWarnings ?? []
        #expect(warnings.contains { $0.hasPrefix("certificate replication-client expires in") && $0.contains("rejoin --bundle") },
                "\(warnings)")
        var line = ""
        try await Poll.until("the replication client certificate on /metrics", timeout: .seconds(30), every: .milliseconds(250)) {
            let body = (try? HTTPProbe.get(port: standby.config.metrics.port, path: "/metrics", timeout: .seconds(10)).body) ?? ""
            line = body.split(separator: "\n").first { $0.hasPrefix("aegis_certificate_expiry_timestamp_seconds{name=\"replication-client\"}") }
                .map(String.init) ?? ""
            return !line.isEmpty
        }
        #expect(line.split(separator: " ").last.flatMap { Double($0) } == Double(first.notAfter.secondsSinceEpoch), "\(line)")
        #expect(try primary.send(.certsStatus).certificates?.contains { $0.role == .replicationClient } == false)

        // A new bundle of the same primary, applied on the standby.
        let bundlePath = "\(primary.root)/renewed.bundle"
        let made = try primary.aegisctl("replication bundle --out '\(bundlePath)' --host localhost")
        #expect(made.status == 0, "\(made.output)")
        let bundle = try ReplicationBundle.decode(try String(contentsOfFile: bundlePath, encoding: .utf8))
        let refresh = Task.detached { try standby.aegisctl("replication rejoin --bundle '\(bundlePath)' --yes") }
        try await standby.waitFor("a service restarting for the new credentials", timeout: .seconds(60)) { report in
            report.services.contains { $0.name.hasPrefix("postgres") && $0.state != .running }
        }
        let promote = try standby.aegisctl("promote --force")
        #expect(promote.status == 1 && promote.output.contains("a rejoin is already running since"), "\(promote.output)")
        let refreshed = try await refresh.value
        #expect(refreshed.status == 0 && refreshed.output.contains("refreshed"), "\(refreshed.output)")

        // The new certificate, stored 0600, in use: the primary sees its serial on every walsender.
        let after = try #require(try replicationClient(of: standby))
        let second = try #require(after.info)
        #expect(second.serial != first.serial && second.notAfter >= first.notAfter)
        let credentials = ReplicationCredentials(config: standby.config)
        #expect(try String(contentsOfFile: credentials.clientCertificate, encoding: .utf8) == bundle.clientCertificate)
        #expect(try FileManager.default.attributesOfItem(atPath: credentials.clientKey)[.posixPermissions] as? Int == 0o600)
        let serial = Self.decimal(hex: second.serial)
        for instance in PostgresInstance.allCases {
            try await Poll.until("\(instance.rawValue) streaming with the new certificate", timeout: .seconds(60), every: .milliseconds(100)) {
                (try? primary.superuserSQL(
                    instance, "SELECT string_agg(s.client_serial::text, ',') FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)"))
                    == serial
            }
        }
        try await standby.waitFor("every service of the standby streaming again", timeout: .seconds(60)) { report in
            report.services.filter { $0.name != "loki" }.allSatisfy { $0.role == "standby" && $0.replication?.streaming == true }
        }
        try primary.redis("SET backend:refreshed 1")
        try await Poll.until("a new key on the standby's Redis", timeout: .seconds(30)) { (try? standby.redis("GET backend:refreshed")) == "1" }

        // A bundle of another primary is no refresh: refused, nothing changed.
        var other = bundle
        other.primaryHost = "elsewhere.example"
        let otherPath = "\(standby.root)/other.bundle"
        #expect(FileManager.default.createFile(atPath: otherPath, contents: Data(other.encoded().utf8), attributes: [.posixPermissions: 0o600]))
        let refused = try standby.aegisctl("replication rejoin --bundle '\(otherPath)' --yes")
        #expect(refused.status == 1 && refused.output.contains("standby already, of localhost"), "\(refused.output)")

        #expect(try await standby.terminate() == 0)
        #expect(try await primary.terminate() == 0)
    }

    private func replicationClient(of harness: DaemonHarness) throws -> CertificateStatus? {
        try harness.send(.certsStatus).certificates?.first { $0.role == .replicationClient }
    }

    /// A serial's hexadecimal digits in decimal, as `pg_stat_ssl.client_serial` shows it.
    static func decimal(hex: String) -> String {
        var digits: [Int] = [0]  // least significant first
        for character in hex {
            var carry = Int(String(character), radix: 16) ?? 0
            for index in digits.indices {
                let value = digits[index] * 16 + carry
                digits[index] = value % 10
                carry = value / 10
            }
            while carry > 0 {
                digits.append(carry % 10)
                carry /= 10
            }
        }
        while digits.count > 1, digits.last == 0 { digits.removeLast() }
        return digits.reversed().map(String.init).joined()
    }
}
