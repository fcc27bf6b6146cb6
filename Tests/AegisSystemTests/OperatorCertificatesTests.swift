import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing

/// CA-signed certificates an operator supplies (`[tls] operator_dir`): `config check` refuses
/// every way they can be wrong, with a message that says what to fix, and touches no file.
@Suite(.serialized) struct OperatorCertificatesTests {
    typealias Support = TLSTestSupport

    /// An operator's tree for the three PostgreSQL instances and Redis, issued by their own CA
    /// at the real time (the check runs at the real time), keys owned by the service user.
    struct Fixture {
        var config: AegisConfig
        var layout: CertificateLayout
        var ca: CertificateAuthority
        var account: ServiceAccount
    }

    static func fixture(in directory: ConfigTestDirectory) throws -> Fixture {
        var config = AegisConfig.defaults(stateDir: "\(directory.path)/state")
        config.loki.enabled = false
        config.tls.operatorDir = "\(directory.path)/operator-tls"
        let layout = CertificateLayout(config)
        let now = Support.realNow
        let ca = try CertificateAuthority.create(commonName: "Example Corp Root", validity: .days(3650, from: now.adding(seconds: -86_400)))
        try FileManager.default.createDirectory(atPath: layout.caDirectory, withIntermediateDirectories: true)
        try Support.write(try ca.certificate.pemEncoded(), to: layout.ca.certificate, mode: 0o644)
        let account = try ServiceAccount.forChildren(configuredUser: config.daemon.user)
        for service in ServiceID.allCases where service.kind != .loki {
            try issue(service, by: ca, names: ["localhost", "db.example.com"], validity: .days(365, from: now.adding(seconds: -3600)), into: layout, owner: account)
        }
        return Fixture(config: config, layout: layout, ca: ca, account: account)
    }

    static func issue(
        _ service: ServiceID, by ca: CertificateAuthority, names: [String], validity: CertificateValidity,
        into layout: CertificateLayout, owner: ServiceAccount
    ) throws {
        let pair = layout.server(service)
        try FileManager.default.createDirectory(
            atPath: (pair.certificate as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let key = try PrivateKey.generateP256()
        let certificate = try ca.issueServer(commonName: service.rawValue, subjectAltNames: names, key: key, validity: validity)
        try Support.write(try certificate.pemEncoded(), to: pair.certificate, mode: 0o644)
        try Support.write(try key.pemEncoded(), to: pair.key, mode: 0o600)
        #expect(chown(pair.key, owner.uid, owner.gid) == 0)
    }

    /// Every file of the tree and its bytes, to prove the check writes nothing.
    static func snapshot(_ root: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: root)! {
            let path = "\(root)/\(relative)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    static func errors(_ config: AegisConfig) -> [ConfigIssue] {
        ConfigEnvironmentCheck(runsAsRoot: geteuid() == 0).run(config).errors.filter { $0.path == "tls.operator_dir" }
    }

    @Test func testAGoodTree_passes_andStatusShowsTheOperatorsFiles() throws {
        let directory = try ConfigTestDirectory("aegis-operator-tls")
        defer { directory.remove() }
        let fixture = try Self.fixture(in: directory)
        #expect(Self.errors(fixture.config) == [])
        let status = OperatorCertificates(layout: fixture.layout).status(services: [.postgresBackend, .redis], now: Support.realNow)
        #expect(status.map(\.role) == [.ca, .server(.postgresBackend), .server(.redis)])
        #expect(status.allSatisfy { $0.problem == nil }, "\(status)")
        #expect(status.first?.info?.subject.contains("Example Corp Root") == true)
        #expect(status[1].certificatePath.hasPrefix(fixture.config.tls.operatorDir))
    }

    @Test func testAMismatchedKey_isRefusedByName_andNothingIsOverwritten() throws {
        let directory = try ConfigTestDirectory("aegis-operator-tls")
        defer { directory.remove() }
        let fixture = try Self.fixture(in: directory)
        // The operator copied Redis's key over the backend's.
        let backend = fixture.layout.server(.postgresBackend)
        try FileManager.default.removeItem(atPath: backend.key)
        try FileManager.default.copyItem(atPath: fixture.layout.server(.redis).key, toPath: backend.key)
        #expect(chown(backend.key, fixture.account.uid, fixture.account.gid) == 0)
        let before = try Self.snapshot(fixture.config.tls.operatorDir)

        let errors = Self.errors(fixture.config)
        #expect(errors.map(\.reason) == [
            "certificate server:postgres-backend: the key \(backend.key) does not match the certificate \(backend.certificate)",
        ])
        #expect(try Self.snapshot(fixture.config.tls.operatorDir) == before)
    }

    @Test func testAnExpiredCertificate_andAMissingName_areRefused() throws {
        let directory = try ConfigTestDirectory("aegis-operator-tls")
        defer { directory.remove() }
        let fixture = try Self.fixture(in: directory)
        let now = Support.realNow
        let notAfter = now.adding(seconds: -86_400)
        try Self.issue(
            .postgresAI, by: fixture.ca, names: ["localhost"],
            validity: CertificateValidity(notBefore: now.adding(seconds: -86_400 * 30), notAfter: notAfter),
            into: fixture.layout, owner: fixture.account)
        try Self.issue(
            .redis, by: fixture.ca, names: ["cache.example.com"], validity: .days(365, from: now.adding(seconds: -3600)),
            into: fixture.layout, owner: fixture.account)
        let before = try Self.snapshot(fixture.config.tls.operatorDir)

        let reasons = Self.errors(fixture.config).map(\.reason)
        let ai = fixture.layout.server(.postgresAI).certificate
        let redis = fixture.layout.server(.redis).certificate
        #expect(reasons == [
            "certificate server:postgres-ai: \(ai) expired on \(notAfter)",
            "certificate server:redis: \(redis) has no subjectAltName for localhost",
        ])
        #expect(try Self.snapshot(fixture.config.tls.operatorDir) == before)
    }

    @Test func testAKeyTheServiceUserCannotUse_isRefusedWithTheFix() throws {
        let directory = try ConfigTestDirectory("aegis-operator-tls")
        defer { directory.remove() }
        let fixture = try Self.fixture(in: directory)
        guard fixture.account.switchesUser else { return }  // only root can hand a key to another user
        let key = fixture.layout.server(.postgresExecutor).key
        #expect(chown(key, 0, 0) == 0)
        let reasons = Self.errors(fixture.config).map(\.reason)
        #expect(reasons.count == 1)
        #expect(reasons.first?.contains("\(key) must be owned by \(fixture.account.name) with mode 0600") == true, "\(reasons)")
        #expect(reasons.first?.contains("chown \(fixture.account.name) '\(key)'") == true)
    }

    /// With `[loki] tls`, the operator's tree must hold Loki's pair too: missing, it is named;
    /// supplied, it passes and shows in status.
    @Test func testLokiWithTLS_needsLokisPairInTheTree() throws {
        let directory = try ConfigTestDirectory("aegis-operator-tls")
        defer { directory.remove() }
        var fixture = try Self.fixture(in: directory)
        fixture.config.loki.enabled = true
        fixture.config.loki.tls = true
        let loki = fixture.layout.server(.loki)
        let reasons = Self.errors(fixture.config).map(\.reason)
        #expect(reasons == [
            "certificate server:loki: \(loki.certificate) is not readable: No such file or directory",
            "certificate server:loki: \(loki.key) is not readable: No such file or directory",
        ])

        try Self.issue(
            .loki, by: fixture.ca, names: ["localhost"], validity: .days(365, from: Support.realNow.adding(seconds: -3600)),
            into: fixture.layout, owner: fixture.account)
        #expect(Self.errors(fixture.config) == [])
        let status = OperatorCertificates(layout: fixture.layout)
            .status(services: fixture.config.serverCertificateServices, now: Support.realNow)
        #expect(status.map(\.role).last == .server(.loki) && status.allSatisfy { $0.problem == nil }, "\(status)")
    }

    @Test func testAnUnreadableBundle_isNamed() throws {
        let directory = try ConfigTestDirectory("aegis-operator-tls")
        defer { directory.remove() }
        let fixture = try Self.fixture(in: directory)
        try "not a certificate\n".write(toFile: fixture.layout.ca.certificate, atomically: true, encoding: .utf8)
        let reasons = Self.errors(fixture.config).map(\.reason)
        #expect(reasons.first == "certificate ca: \(fixture.layout.ca.certificate) does not hold PEM CA certificates", "\(reasons)")
    }
}
