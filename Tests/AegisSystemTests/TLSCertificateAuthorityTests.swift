import AegisCore
import AegisSystem
import Foundation
import Testing

/// Certificates from `CertificateAuthority`, inspected by the real `openssl` CLI.
@Suite struct TLSCertificateAuthorityTests {
    typealias Support = TLSTestSupport

    @Test func testCA_isSelfSignedP256WithCAExtensions() throws {
        try Support.withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(validity: .days(3650, from: Support.realNow))
            let pair = try Support.writeCA(ca, in: directory)
            let text = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-text"])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("Subject: CN = Aegis internal CA"))
            #expect(text.stdout.contains("Issuer: CN = Aegis internal CA"))
            #expect(text.stdout.contains("NIST CURVE: P-256"))
            #expect(text.stdout.contains("ecdsa-with-SHA256"))
            let extensions = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-ext", "basicConstraints,keyUsage,subjectKeyIdentifier"])
            #expect(extensions.stdout.contains("X509v3 Basic Constraints: critical\n    CA:TRUE, pathlen:0"), "\(extensions.stdout)")
            #expect(extensions.stdout.contains("X509v3 Key Usage: critical\n    Certificate Sign, CRL Sign"), "\(extensions.stdout)")
            #expect(extensions.stdout.contains("X509v3 Subject Key Identifier"))
            let verify = try Support.openssl(["verify", "-CAfile", pair.certificate, pair.certificate])
            #expect(verify.status == 0, "\(verify.output)")
            #expect(ca.certificate.info.isCA)
        }
    }

    @Test func testServerCertificate_verifiesAndCarriesSANsAndServerAuth() throws {
        try Support.withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(validity: .days(3650, from: Support.realNow))
            let caPair = try Support.writeCA(ca, in: directory)
            let key = try PrivateKey.generateP256()
            let names = ["localhost", "127.0.0.1", "::1", "db.example.internal", "10.1.2.3"]
            let certificate = try ca.issueServer(
                commonName: "postgres-backend", subjectAltNames: names, key: key, validity: .days(90, from: Support.realNow))
            let pair = try Support.writePair(certificate, key: key, in: directory, name: "server")

            let verify = try Support.openssl(["verify", "-CAfile", caPair.certificate, "-purpose", "sslserver", pair.certificate])
            #expect(verify.status == 0, "\(verify.output)")
            #expect(verify.stdout.contains(": OK"))

            let extensions = try Support.openssl([
                "x509", "-in", pair.certificate, "-noout", "-ext", "subjectAltName,extendedKeyUsage,basicConstraints,keyUsage",
            ])
            #expect(extensions.status == 0, "\(extensions.stderr)")
            #expect(extensions.stdout.contains(
                "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:db.example.internal, IP Address:10.1.2.3"),
                "\(extensions.stdout)")
            #expect(extensions.stdout.contains("X509v3 Extended Key Usage: \n    TLS Web Server Authentication"), "\(extensions.stdout)")
            #expect(extensions.stdout.contains("X509v3 Basic Constraints: critical\n    CA:FALSE"), "\(extensions.stdout)")
            #expect(extensions.stdout.contains("X509v3 Key Usage: critical\n    Digital Signature"), "\(extensions.stdout)")

            let info = certificate.info
            #expect(info.subject == "postgres-backend")
            #expect(info.issuer == "Aegis internal CA")
            #expect(info.subjectAltNames == names)
            #expect(!info.isCA)
            #expect(certificate.covers("db.example.internal"))
            #expect(certificate.covers("::1"))
            #expect(!certificate.covers("other.example"))
        }
    }

    @Test func testClientCertificate_verifiesForClientAuth() throws {
        try Support.withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(validity: .days(3650, from: Support.realNow))
            let caPair = try Support.writeCA(ca, in: directory)
            let key = try PrivateKey.generateP256()
            let certificate = try ca.issueClient(commonName: "aegis_backend_user", key: key, validity: .days(90, from: Support.realNow))
            let pair = try Support.writePair(certificate, key: key, in: directory, name: "client")

            let verify = try Support.openssl(["verify", "-CAfile", caPair.certificate, "-purpose", "sslclient", pair.certificate])
            #expect(verify.status == 0, "\(verify.output)")
            let asServer = try Support.openssl(["verify", "-CAfile", caPair.certificate, "-purpose", "sslserver", pair.certificate])
            #expect(asServer.status != 0, "a client certificate must not pass as a server certificate")

            let extensions = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-ext", "extendedKeyUsage,subjectAltName", "-subject"])
            #expect(extensions.stdout.contains("TLS Web Client Authentication"), "\(extensions.stdout)")
            #expect(!extensions.stdout.contains("Subject Alternative Name"))
            #expect(extensions.stdout.contains("subject=CN = aegis_backend_user"), "\(extensions.stdout)")
        }
    }

    @Test func testInfo_agreesWithOpensslSerialDatesAndFingerprint() throws {
        try Support.withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(validity: .days(3650, from: Support.realNow))
            let validity = CertificateValidity(
                notBefore: UTCTimestamp(year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5),
                notAfter: UTCTimestamp(year: 2051, month: 6, day: 7, hour: 8, minute: 9, second: 10))
            let key = try PrivateKey.generateP256()
            let certificate = try ca.issueServer(commonName: "redis", subjectAltNames: ["localhost"], key: key, validity: validity)
            let pair = try Support.writePair(certificate, key: key, in: directory, name: "redis")
            let info = certificate.info

            let shown = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-serial", "-startdate", "-enddate", "-fingerprint", "-sha256"])
            #expect(shown.status == 0, "\(shown.stderr)")
            let lines = Dictionary(uniqueKeysWithValues: shown.stdout.split(separator: "\n").map { line -> (String, String) in
                let parts = line.split(separator: "=", maxSplits: 1)
                return (String(parts[0]), String(parts[1]))
            })
            #expect(lines["serial"]?.lowercased() == info.serial)
            #expect(info.serial.count == 32)
            #expect(lines["notBefore"] == "Jan  2 03:04:05 2025 GMT")
            #expect(lines["notAfter"] == "Jun  7 08:09:10 2051 GMT", "GeneralizedTime after 2049")
            #expect(info.notBefore == validity.notBefore)
            #expect(info.notAfter == validity.notAfter)
            #expect(lines["sha256 Fingerprint"]?.replacingOccurrences(of: ":", with: "").lowercased() == info.sha256Fingerprint)
            #expect(info.daysLeft(now: UTCTimestamp(year: 2051, month: 6, day: 6, hour: 9)) == 0)
            #expect(info.daysLeft(now: UTCTimestamp(year: 2051, month: 6, day: 5, hour: 8)) == 2)
            #expect(info.daysLeft(now: UTCTimestamp(year: 2051, month: 6, day: 7, hour: 9)) == -1)
        }
    }

    @Test func testKeyMatch_agreesWithOpensslPublicKeys() throws {
        try Support.withTemporaryDirectory { directory in
            let ca = try CertificateAuthority.create(validity: .days(3650, from: Support.realNow))
            let key = try PrivateKey.generateP256()
            let other = try PrivateKey.generateP256()
            let certificate = try ca.issueServer(commonName: "loki", subjectAltNames: ["localhost"], key: key, validity: .days(90, from: Support.realNow))
            let pair = try Support.writePair(certificate, key: key, in: directory, name: "loki")
            try Support.write(try other.pemEncoded(), to: "\(directory)/other.key")

            let fromCertificate = try Support.openssl(["x509", "-in", pair.certificate, "-noout", "-pubkey"]).stdout
            let fromKey = try Support.openssl(["pkey", "-in", pair.key, "-pubout"]).stdout
            let fromOther = try Support.openssl(["pkey", "-in", "\(directory)/other.key", "-pubout"]).stdout
            #expect(fromCertificate == fromKey)
            #expect(key.matches(certificate))
            #expect(fromCertificate != fromOther)
            #expect(!other.matches(certificate))
            #expect(try certificate.publicKeyPEM() == fromCertificate)
            #expect(try key.publicKeyPEM() == fromKey)
        }
    }

    @Test func testPEM_roundTripsAndIsPKCS8() throws {
        try Support.withTemporaryDirectory { directory in
            let key = try PrivateKey.generateP256()
            let pem = try key.pemEncoded()
            #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
            let reread = try PrivateKey(pem: pem)
            #expect(try reread.pemEncoded() == pem)
            try Support.write(pem, to: "\(directory)/k.key")
            let check = try Support.openssl(["pkey", "-in", "\(directory)/k.key", "-noout", "-text"])
            #expect(check.status == 0 && check.stdout.contains("NIST CURVE: P-256"), "\(check.output)")

            // A key made by openssl itself, in the traditional EC form, reads too.
            let generated = try Support.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(directory)/sec1.key"])
            #expect(generated.status == 0)
            let sec1 = try String(contentsOfFile: "\(directory)/sec1.key", encoding: .utf8)
            #expect(sec1.contains("BEGIN EC PRIVATE KEY"))
            _ = try PrivateKey(pem: sec1)
            #expect(throws: CryptoError.self) { try PrivateKey(pem: "not a key") }
            #expect(throws: CryptoError.self) { try Certificate(pem: "") }
        }
    }

    @Test func testSubjectAltName_recognizesAndCanonicalizesAddresses() {
        #expect(SubjectAltName.canonical("0:0:0:0:0:0:0:1") == "::1")
        #expect(SubjectAltName.canonical("127.0.0.1") == "127.0.0.1")
        #expect(SubjectAltName.canonical("DB.example") == "DB.example")
        #expect(SubjectAltName.ipAddressBytes("1.2.3") == nil)
        #expect(SubjectAltName.ipAddressBytes("fe80::1")?.count == 16)
        #expect(HostName.current() != nil)
    }
}
