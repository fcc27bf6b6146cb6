import AegisCore
import AegisSystem
import Foundation
import Testing

/// The built-in CA's files: created once, renewed when due or when the names change, rotated
/// on request, and checked by the real `openssl`.
@Suite struct TLSCertificateStoreTests {
    typealias Support = TLSTestSupport
    static let services = ServiceID.allCases
    static let apps = PostgresInstance.allCases
    static let hosts = ["aegis-host"]

    func ensure(_ store: CertificateStore, now: UTCTimestamp, extraNames: [String] = [], policy: CertificatePolicy = CertificatePolicy()) throws -> [CertificateChange] {
        try store.ensure(services: Self.services, apps: Self.apps, hostNames: Self.hosts, extraNames: extraNames, policy: policy, now: now)
    }

    func serials(_ store: CertificateStore) throws -> [CertificateRole: String] {
        var result: [CertificateRole: String] = [:]
        for role in [CertificateRole.ca] + Self.services.map(CertificateRole.server) + Self.apps.map(CertificateRole.client) {
            let pem = try String(contentsOfFile: store.layout.pair(for: role).certificate, encoding: .utf8)
            result[role] = try Certificate(pem: pem).info.serial
        }
        return result
    }

    @Test func testEnsure_firstStartCreatesEverything_andOpensslVerifiesIt() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let changes = try ensure(store, now: Support.realNow, extraNames: ["db.example.internal"])
            #expect(changes.map(\.role) == [.ca] + Self.services.map(CertificateRole.server) + Self.apps.map(CertificateRole.client))
            #expect(changes.allSatisfy { $0.kind == .created && $0.reason == .missing })

            let layout = store.layout
            #expect(FileManager.default.fileExists(atPath: "\(directory)/certs/postgres/backend/server.crt"))
            #expect(FileManager.default.fileExists(atPath: "\(directory)/certs/clients/ai/client.key"))
            #expect(Support.mode(of: layout.ca.key) == 0o600)
            #expect(Support.mode(of: layout.ca.certificate) == 0o644)
            #expect(Support.mode(of: layout.caDirectory) == 0o755)
            for service in Self.services {
                let pair = layout.server(service)
                #expect(Support.mode(of: pair.key) == 0o600)
                #expect(Support.mode(of: pair.certificate) == 0o644)
                let verify = try Support.openssl(["verify", "-CAfile", layout.ca.certificate, "-purpose", "sslserver", pair.certificate])
                #expect(verify.status == 0, "\(service): \(verify.output)")
                let names = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-ext", "subjectAltName", "-subject"])
                #expect(names.stdout.contains(
                    "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:aegis-host, DNS:db.example.internal"),
                    "\(names.stdout)")
                #expect(names.stdout.contains("subject=CN = \(service.rawValue)"))
                let check = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-pubkey"]).stdout
                #expect(check == (try Support.openssl(["pkey", "-in", pair.key, "-pubout"]).stdout))
            }
            for app in Self.apps {
                let pair = layout.client(app)
                #expect(Support.mode(of: pair.key) == 0o600)
                let verify = try Support.openssl(["verify", "-CAfile", layout.ca.certificate, "-purpose", "sslclient", pair.certificate])
                #expect(verify.status == 0, "\(app): \(verify.output)")
                let subject = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-subject"])
                #expect(subject.stdout == "subject=CN = \(app.defaultRole)\n")
            }
        }
    }

    @Test func testEnsure_secondTimeDoesNothing() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            _ = try ensure(store, now: now)
            let before = try serials(store)
            #expect(try ensure(store, now: now) == [])
            // 59 days later a 90-day leaf still has 31 days: not yet due.
            #expect(try ensure(store, now: now.adding(seconds: 59 * 86_400)) == [])
            #expect(try serials(store) == before)
        }
    }

    @Test func testEnsure_changedNames_reissuesOnlyTheServerThatChanged() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            _ = try ensure(store, now: now)
            let before = try serials(store)
            // Redis alone now wants one more name; `0:0::1` is the `::1` it already has.
            for service in Self.services where service != .redis {
                #expect(try store.ensure(services: [service], apps: [], hostNames: Self.hosts, now: now) == [])
            }
            let changes = try store.ensure(
                services: [.redis], apps: Self.apps, hostNames: Self.hosts, extraNames: ["cache.example", "0:0::1"], now: now)
            #expect(changes == [CertificateChange(role: .server(.redis), kind: .renewed, reason: .namesChanged(added: ["cache.example"], removed: []))])
            let after = try serials(store)
            #expect(after[.server(.redis)] != before[.server(.redis)])
            for role in after.keys where role != .server(.redis) {
                #expect(after[role] == before[role], "\(role) must be untouched")
            }
            let names = try Support.openssl(["x509", "-in", store.layout.server(.redis).certificate, "-noout", "-ext", "subjectAltName"])
            #expect(names.stdout.contains("IP Address:0:0:0:0:0:0:0:1, DNS:aegis-host, DNS:cache.example\n"), "\(names.stdout)")
        }
    }

    @Test func testEnsure_changedExtraNames_reissuesEveryServer_keepsCAAndClients() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            _ = try ensure(store, now: now)
            let before = try serials(store)
            let changes = try ensure(store, now: now, extraNames: ["db.example"])
            #expect(changes.map(\.role) == Self.services.map(CertificateRole.server))
            let after = try serials(store)
            #expect(after[.ca] == before[.ca])
            for app in Self.apps { #expect(after[.client(app)] == before[.client(app)]) }
        }
    }

    @Test func testEnsure_leafInsideRenewalWindow_isRenewedAlone() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            _ = try ensure(store, now: now)
            let before = try serials(store)
            // Replace one leaf with a 10-day certificate from the same CA, as if issued long ago.
            let ca = try CertificateAuthority.load(store.layout.ca)
            let key = try PrivateKey.generateP256()
            let short = try ca.issue(
                .server(.postgresAI, hostNames: Self.hosts, extraNames: []), key: key, validity: .days(10, from: now))
            let pair = store.layout.server(.postgresAI)
            try FileSystem.writeAtomically(pair.key, contents: try key.pemEncoded(), mode: 0o600)
            try FileSystem.writeAtomically(pair.certificate, contents: try short.pemEncoded(), mode: 0o644)
            let shortSerial = short.info.serial

            let changes = try ensure(store, now: now.adding(seconds: 86_400))
            #expect(changes == [CertificateChange(role: .server(.postgresAI), kind: .renewed, reason: .expiresSoon(daysLeft: 9))])
            let after = try serials(store)
            #expect(after[.server(.postgresAI)] != shortSerial)
            #expect(after[.ca] == before[.ca])
            #expect(after[.server(.postgresBackend)] == before[.server(.postgresBackend)])
        }
    }

    @Test func testEnsure_mismatchedKeyOrForeignLeaf_isReissued() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            _ = try ensure(store, now: now)
            // A crash between key and certificate: the key no longer matches.
            try FileSystem.writeAtomically(store.layout.server(.loki).key, contents: try PrivateKey.generateP256().pemEncoded(), mode: 0o600)
            // A leaf from some other CA dropped into our tree.
            let stranger = try CertificateAuthority.create(validity: .days(3650, from: now))
            let key = try PrivateKey.generateP256()
            let foreign = try stranger.issueClient(commonName: "aegis_ai_user", key: key, validity: .days(90, from: now))
            try FileSystem.writeAtomically(store.layout.client(.ai).key, contents: try key.pemEncoded(), mode: 0o600)
            try FileSystem.writeAtomically(store.layout.client(.ai).certificate, contents: try foreign.pemEncoded(), mode: 0o644)

            let changes = try ensure(store, now: now)
            #expect(changes.map(\.role) == [.server(.loki), .client(.ai)])
            #expect(changes[0].reason.description.contains("does not match"), "\(changes[0].reason)")
            #expect(changes[1].reason.description.contains("not issued by the current CA"), "\(changes[1].reason)")
            #expect(try ensure(store, now: now) == [])
        }
    }

    @Test func testRotate_newSerialsForAllLeaves_sameCA() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            _ = try ensure(store, now: now)
            let before = try serials(store)
            let caFingerprint = try CertificateAuthority.load(store.layout.ca).certificate.info.sha256Fingerprint
            let changes = try store.rotate(services: Self.services, apps: Self.apps, hostNames: Self.hosts, now: now)
            #expect(changes.count == Self.services.count + Self.apps.count)
            #expect(changes.allSatisfy { $0.kind == .renewed && $0.reason == .rotationRequested })
            let after = try serials(store)
            #expect(after[.ca] == before[.ca])
            #expect(try CertificateAuthority.load(store.layout.ca).certificate.info.sha256Fingerprint == caFingerprint)
            for role in after.keys where role != .ca {
                #expect(after[role] != before[role], "\(role) needs a new serial")
            }
        }
    }

    @Test func testRotateIncludingCA_replacesTheCA() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = Support.realNow
            _ = try ensure(store, now: now)
            let before = try serials(store)
            let changes = try store.rotate(services: Self.services, apps: Self.apps, hostNames: Self.hosts, now: now, includingCA: true)
            #expect(changes.first == CertificateChange(role: .ca, kind: .renewed, reason: .rotationRequested))
            #expect(changes.dropFirst().allSatisfy { $0.reason == .newCA })
            #expect(try serials(store)[.ca] != before[.ca])
            let verify = try Support.openssl(["verify", "-CAfile", store.layout.ca.certificate, store.layout.server(.redis).certificate])
            #expect(verify.status == 0, "\(verify.output)")
        }
    }

    @Test func testEnsure_caKeyMissing_refusesToReplaceTheCA() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            _ = try ensure(store, now: now)
            let caCertificate = try String(contentsOfFile: store.layout.ca.certificate, encoding: .utf8)
            FileSystem.remove(store.layout.ca.key)
            let error = #expect(throws: SystemError.self) { try ensure(store, now: now) }
            #expect(error?.message.contains("the CA cannot be used") == true, "\(String(describing: error))")
            #expect(error?.message.contains("ca.key is not readable") == true, "\(String(describing: error))")
            #expect(try String(contentsOfFile: store.layout.ca.certificate, encoding: .utf8) == caCertificate)
        }
    }

    @Test func testEnsure_refusesAPolicyThatWouldRenewForever() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            #expect(throws: SystemError.self) {
                try ensure(store, now: Support.realNow, policy: CertificatePolicy(leafValidityDays: 20, renewBeforeDays: 30))
            }
            #expect(!FileSystem.exists(store.layout.ca.certificate))
        }
    }

    @Test func testStatus_listsEveryPairWithDaysLeftAndProblems() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let now = UTCTimestamp(year: 2030, month: 1, day: 1)
            let empty = store.status(services: [.redis], apps: [.backend], now: now)
            #expect(empty.map(\.role) == [.ca, .server(.redis), .client(.backend)])
            #expect(empty.allSatisfy { $0.problem == "missing" && $0.info == nil })

            _ = try store.ensure(services: [.redis], apps: [.backend], hostNames: Self.hosts, now: now)
            let later = now.adding(seconds: 10 * 86_400)
            let entries = store.status(services: [.redis], apps: [.backend], now: later)
            #expect(entries.map(\.problem) == [nil, nil, nil])
            #expect(entries.map(\.daysLeft) == [3640, 80, 80])
            #expect(entries[1].info?.subjectAltNames == ["localhost", "127.0.0.1", "::1", "aegis-host"])
            #expect(entries[1].certificatePath == store.layout.server(.redis).certificate)
            #expect(entries[2].info?.subject == "aegis_backend_user")
            let serial = try Support.openssl(["x509", "-in", entries[1].certificatePath, "-noout", "-serial"]).stdout
            #expect(serial.lowercased() == "serial=\(entries[1].info!.serial)\n")

            let expired = store.status(services: [.redis], apps: [], now: now.adding(seconds: 91 * 86_400))
            #expect(expired[1].problem == "\(store.layout.server(.redis).certificate) expired on 2030-04-01T00:00:00Z")
            #expect(expired[1].daysLeft == -1)

            // JSON for `certs status --json` round-trips.
            let data = try JSONEncoder().encode(entries)
            #expect(try JSONDecoder().decode([CertificateStatus].self, from: data) == entries)
            #expect(String(decoding: data, as: UTF8.self).contains("\"role\":\"server:redis\""))
        }
    }

    /// The services' user reads the server keys (PostgreSQL insists on owning its key); the CA
    /// and client keys stay with aegisd. Needs root to give files away.
    @Test(.enabled(if: geteuid() == 0, "chown needs root"))
    func testEnsure_serverKeysBelongToTheServiceAccount() throws {
        try Support.withTemporaryDirectory { directory in
            let store = CertificateStore(layout: CertificateLayout(StateLayout(root: directory)))
            let nobody = try #require(ServiceAccount.lookup("nobody"))
            let account = ServiceAccount(name: nobody.name, uid: nobody.uid, gid: nobody.gid, switchesUser: true)
            _ = try store.ensure(services: [.postgresBackend], apps: [.backend], hostNames: Self.hosts, now: Support.realNow, serverKeyOwner: account)
            func owner(_ path: String) -> uid_t {
                var info = stat()
                _ = stat(path, &info)
                return info.st_uid
            }
            #expect(owner(store.layout.server(.postgresBackend).key) == nobody.uid)
            #expect(Support.mode(of: store.layout.server(.postgresBackend).key) == 0o600)
            #expect(owner(store.layout.ca.key) == geteuid())
            #expect(owner(store.layout.client(.backend).key) == geteuid())
        }
    }
}
