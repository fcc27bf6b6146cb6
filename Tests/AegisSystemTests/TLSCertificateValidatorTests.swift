import AegisCore
import AegisSystem
import Foundation
import Testing

/// Operator-supplied certificates: each way they can be wrong is reported, with its message.
@Suite struct TLSCertificateValidatorTests {
    typealias Support = TLSTestSupport
    static let now = UTCTimestamp(year: 2030, month: 3, day: 1)

    /// An operator's CA (a plain root, not ours) and a server pair it issued.
    struct Fixture {
        var ca: CertificateAuthority
        var bundle: String
        var server: Support.Files
    }

    func fixture(in directory: String, validity: CertificateValidity = .days(365, from: now)) throws -> Fixture {
        let ca = try CertificateAuthority.create(commonName: "Operator Root CA", validity: .days(3650, from: Self.now.adding(seconds: -86_400 * 30)))
        let bundle = try Support.writeCA(ca, in: directory, name: "bundle").certificate
        let key = try PrivateKey.generateP256()
        let certificate = try ca.issueServer(commonName: "db.example", subjectAltNames: ["db.example", "10.0.0.5"], key: key, validity: validity)
        let server = try Support.writePair(certificate, key: key, in: directory, name: "server")
        return Fixture(ca: ca, bundle: bundle, server: server)
    }

    @Test func testValidPair_hasNoProblems() throws {
        try Support.withTemporaryDirectory { directory in
            let fixture = try fixture(in: directory)
            let problems = CertificateValidator.problems(
                certificatePath: fixture.server.certificate, keyPath: fixture.server.key, caBundlePath: fixture.bundle,
                now: Self.now, requiredNames: ["db.example", "10.0.0.5"])
            #expect(problems == [])
        }
    }

    @Test func testCertificateFromAnotherCA_isUntrusted() throws {
        try Support.withTemporaryDirectory { directory in
            let fixture = try fixture(in: directory)
            let stranger = try CertificateAuthority.create(commonName: "Someone Else", validity: .days(3650, from: Self.now))
            let otherBundle = try Support.writeCA(stranger, in: directory, name: "other").certificate
            let problems = CertificateValidator.problems(
                certificatePath: fixture.server.certificate, keyPath: fixture.server.key, caBundlePath: otherBundle, now: Self.now)
            #expect(problems == [.untrusted(path: fixture.server.certificate, bundle: otherBundle, reason: "unable to get local issuer certificate")])
            #expect(problems.first?.description == "\(fixture.server.certificate) does not chain to the CA in \(otherBundle): unable to get local issuer certificate")
        }
    }

    @Test func testExpiredCertificate_isReportedWithItsDate() throws {
        try Support.withTemporaryDirectory { directory in
            let notAfter = Self.now.adding(seconds: -86_400)
            let fixture = try fixture(in: directory, validity: CertificateValidity(notBefore: Self.now.adding(seconds: -86_400 * 20), notAfter: notAfter))
            let problems = CertificateValidator.problems(
                certificatePath: fixture.server.certificate, keyPath: fixture.server.key, caBundlePath: fixture.bundle, now: Self.now)
            #expect(problems == [.expired(path: fixture.server.certificate, notAfter: notAfter)])
            #expect(problems.first?.description == "\(fixture.server.certificate) expired on 2030-02-28T00:00:00Z")
            // The real openssl agrees that it is expired (at the real time, long after).
            let verify = try Support.openssl(["verify", "-CAfile", fixture.bundle, "-attime", String(Self.now.secondsSinceEpoch), fixture.server.certificate])
            #expect(verify.status != 0 && verify.output.contains("certificate has expired"), "\(verify.output)")
        }
    }

    @Test func testNotYetValid_isReported() throws {
        try Support.withTemporaryDirectory { directory in
            let fixture = try fixture(in: directory, validity: .days(90, from: Self.now.adding(seconds: 86_400 * 2)))
            let problems = CertificateValidator.problems(
                certificatePath: fixture.server.certificate, keyPath: fixture.server.key, caBundlePath: fixture.bundle, now: Self.now)
            #expect(problems.count == 1)
            guard case .notYetValid = problems.first else {
                Issue.record("expected notYetValid, got \(problems)")
                return
            }
        }
    }

    @Test func testMismatchedKey_isReported() throws {
        try Support.withTemporaryDirectory { directory in
            let fixture = try fixture(in: directory)
            let otherKey = "\(directory)/other.key"
            try Support.write(try PrivateKey.generateP256().pemEncoded(), to: otherKey)
            let problems = CertificateValidator.problems(
                certificatePath: fixture.server.certificate, keyPath: otherKey, caBundlePath: fixture.bundle, now: Self.now)
            #expect(problems == [.keyMismatch(certificate: fixture.server.certificate, key: otherKey)])
            #expect(problems.first?.description == "the key \(otherKey) does not match the certificate \(fixture.server.certificate)")
        }
    }

    @Test func testUnreadableAndNonPEMFiles_areReported() throws {
        try Support.withTemporaryDirectory { directory in
            let fixture = try fixture(in: directory)
            let missing = "\(directory)/missing.crt"
            let garbage = "\(directory)/garbage.key"
            try Support.write("hello\n", to: garbage)
            let problems = CertificateValidator.problems(certificatePath: missing, keyPath: garbage, caBundlePath: fixture.bundle, now: Self.now)
            #expect(problems == [
                .unreadable(path: missing, reason: "No such file or directory"),
                .notPEM(path: garbage, expected: "an unencrypted PEM private key"),
            ])
            #expect(problems.first?.description == "\(missing) is not readable: No such file or directory")
        }
    }

    @Test func testMissingSANAndOpenKey_areReported() throws {
        try Support.withTemporaryDirectory { directory in
            let fixture = try fixture(in: directory)
            chmod(fixture.server.key, 0o644)
            let problems = CertificateValidator.problems(
                certificatePath: fixture.server.certificate, keyPath: fixture.server.key, caBundlePath: fixture.bundle,
                now: Self.now, requiredNames: ["db.example", "cache.example", "10.0.0.6"])
            #expect(problems == [
                .keyReadableByOthers(path: fixture.server.key, mode: 0o644),
                .missingName(path: fixture.server.certificate, name: "cache.example"),
                .missingName(path: fixture.server.certificate, name: "10.0.0.6"),
            ])
        }
    }

    /// The operator's file holds leaf + intermediate, the bundle only the root (made by the
    /// openssl CLI, without a path length limit).
    @Test func testChainFileWithIntermediate_verifiesAgainstTheRoot() throws {
        try Support.withTemporaryDirectory { directory in
            let rootFiles = Support.Files(certificate: "\(directory)/root.crt", key: "\(directory)/root.key")
            let made = try Support.openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", rootFiles.key,
                "-out", rootFiles.certificate, "-subj", "/CN=Operator Root", "-days", "3650",
            ])
            #expect(made.status == 0, "\(made.output)")
            let (_, leafChain, leafKey) = try issueThroughIntermediate(root: rootFiles, in: directory)
            #expect(CertificateValidator.problems(certificatePath: leafChain, keyPath: leafKey, caBundlePath: rootFiles.certificate, now: Self.now) == [])
        }
    }

    /// Our own CA has pathlen:0: it may sign leaves only, so a chain through an intermediate
    /// under it is refused, by OpenSSL's verifier and therefore by the validator.
    @Test func testIntermediateUnderOurCA_isRefusedByPathLength() throws {
        try Support.withTemporaryDirectory { directory in
            let root = try CertificateAuthority.create(commonName: "Root", validity: .days(3650, from: Support.realNow))
            let rootFiles = try Support.writeCA(root, in: directory, name: "root")
            let (_, leafChain, leafKey) = try issueThroughIntermediate(root: rootFiles, in: directory)
            let problems = CertificateValidator.problems(certificatePath: leafChain, keyPath: leafKey, caBundlePath: rootFiles.certificate, now: Self.now)
            #expect(problems == [.untrusted(path: leafChain, bundle: rootFiles.certificate, reason: "path length constraint exceeded")])
        }
    }

    /// An intermediate CA signed by `root` with the openssl CLI, and a leaf under it written as
    /// leaf + intermediate; returns (intermediate, chain file, leaf key file).
    private func issueThroughIntermediate(root: Support.Files, in directory: String) throws -> (CertificateAuthority, String, String) {
        let extfile = "\(directory)/ext.cnf"
        try Support.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n", to: extfile)
        for step in [
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(directory)/mid.key"],
            ["req", "-new", "-key", "\(directory)/mid.key", "-subj", "/CN=Intermediate", "-out", "\(directory)/mid.csr"],
            ["x509", "-req", "-in", "\(directory)/mid.csr", "-CA", root.certificate, "-CAkey", root.key,
             "-CAcreateserial", "-days", "3650", "-extfile", extfile, "-out", "\(directory)/mid.crt"],
        ] {
            let result = try Support.openssl(step)
            #expect(result.status == 0, "\(step): \(result.output)")
        }
        let intermediate = try CertificateAuthority(
            certificate: try Certificate(pem: try String(contentsOfFile: "\(directory)/mid.crt", encoding: .utf8)),
            key: try PrivateKey(pem: try String(contentsOfFile: "\(directory)/mid.key", encoding: .utf8)))
        let key = try PrivateKey.generateP256()
        let leaf = try intermediate.issueServer(commonName: "x", subjectAltNames: ["x.example"], key: key, validity: .days(30, from: Self.now))
        let chainPath = "\(directory)/chain.crt"
        try Support.write(try leaf.pemEncoded() + intermediate.certificate.pemEncoded(), to: chainPath, mode: 0o644)
        let keyPath = "\(directory)/leaf.key"
        try Support.write(try key.pemEncoded(), to: keyPath)
        return (intermediate, chainPath, keyPath)
    }
}
