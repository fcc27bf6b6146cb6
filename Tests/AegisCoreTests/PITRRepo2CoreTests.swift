import Testing
import AegisCore

/// Repository 2 on object storage, the pure parts: `[pitr] repo2_…` validation, the endpoint's
/// parsing, the lines of `pgbackrest.conf`, and `pgbackrest info` with two repositories.
@Suite struct PITRRepo2CoreTests {
    static func repo2(_ change: (inout PITRSettings) -> Void = { _ in }) -> PITRSettings {
        var pitr = PITRSettings()
        pitr.repo2Endpoint = "s3.example.com"
        pitr.repo2Bucket = "aegis-backups"
        pitr.repo2KeyFile = "/etc/aegis/s3.key"
        pitr.repo2SecretKeyFile = "/etc/aegis/s3.secret"
        change(&pitr)
        return pitr
    }

    private func configuration(_ pitr: PITRSettings, access: PgBackRestConfigRenderer.Repo2Access?) -> String {
        PgBackRestConfigRenderer(
            instance: .backend, settings: PostgresInstanceSettings(instance: .backend, port: 5432), pitr: pitr,
            layout: StateLayout(root: "/var/lib/aegis"), superuser: "aegis"
        ).configuration(cipherPassphrase: "R1pass", repo2: access)
    }

    @Test(arguments: [
        ("s3.example.com", "s3.example.com", 443),
        ("127.0.0.1:8333", "127.0.0.1", 8333),
        ("[::1]:9000", "[::1]", 9000),
        ("minio.internal:443", "minio.internal", 443),
    ])
    func testEndpoint_splitsHostAndPort(text: String, host: String, port: Int) throws {
        #expect(try PgBackRestRepo2Rules.endpoint(text).get() == PgBackRestRepo2Rules.Endpoint(host: host, port: port))
    }

    @Test(arguments: [
        ("https://s3.example.com", "has a scheme"),
        ("s3.example.com:0", "no valid port"),
        ("s3.example.com:http", "no valid port"),
        ("s3 example.com", "not a host name"),
        (":8333", "not a host name"),
    ])
    func testEndpoint_refuses_sayingWhy(text: String, reason: String) {
        guard case .failure(let problem) = PgBackRestRepo2Rules.endpoint(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(problem.description.contains(reason), "\(problem)")
    }

    @Test func testNoRepo2_byDefault_andItsKeysAreThenIgnored() {
        var config = AegisConfig.defaults()
        #expect(!config.pitr.hasRepo2)
        config.pitr.repo2URIStyle = "nonsense"
        #expect(ConfigValidator.validate(config).isEmpty)
        config.pitr = Self.repo2()
        #expect(ConfigValidator.validate(config).isEmpty, "\(ConfigValidator.validate(config))")
    }

    @Test(arguments: [
        ("repo2_endpoint", repo2 { $0.repo2Endpoint = "http://127.0.0.1:8333" }),
        ("repo2_bucket", repo2 { $0.repo2Bucket = "" }),
        ("repo2_bucket", repo2 { $0.repo2Bucket = "Aegis_Backups" }),
        ("repo2_region", repo2 { $0.repo2Region = "" }),
        ("repo2_path", repo2 { $0.repo2Path = "aegis" }),
        ("repo2_key_file", repo2 { $0.repo2KeyFile = "" }),
        ("repo2_secret_key_file", repo2 { $0.repo2SecretKeyFile = "s3.secret" }),
        ("repo2_ca_file", repo2 { $0.repo2CAFile = "ca.pem" }),
        ("repo2_uri_style", repo2 { $0.repo2URIStyle = "virtual" }),
        ("repo2_retention_full", repo2 { $0.repo2RetentionFull = 0 }),
    ])
    func testBadRepo2Settings_areNamed(key: String, settings: PITRSettings) {
        var config = AegisConfig.defaults()
        config.pitr = settings
        #expect(ConfigValidator.validate(config).map(\.path) == ["pitr.\(key)"])
    }

    @Test func testRepo2Lines_carryTheStoreTheKeysAndItsOwnCipher() {
        let pitr = Self.repo2 {
            $0.repo2Endpoint = "127.0.0.1:8333"
            $0.repo2URIStyle = "path"
            $0.repo2RetentionFull = 4
        }
        let access = PgBackRestConfigRenderer.Repo2Access(
            accessKey: "AKID", secretKey: "SeCrEt", cipherPassphrase: "R2pass", caFile: "/var/lib/aegis/certs/ca/ca.crt")
        let lines = configuration(pitr, access: access).split(separator: "\n").map(String.init)
        for line in [
            "repo2-type=s3", "repo2-path=/aegis-pgbackrest", "repo2-s3-bucket=aegis-backups", "repo2-s3-endpoint=127.0.0.1",
            "repo2-storage-port=8333", "repo2-s3-region=us-east-1", "repo2-s3-uri-style=path", "repo2-s3-key=AKID",
            "repo2-s3-key-secret=SeCrEt", "repo2-retention-full=4", "repo2-storage-ca-file=/var/lib/aegis/certs/ca/ca.crt",
            "repo2-cipher-type=aes-256-cbc", "repo2-cipher-pass=R2pass",
            // Repository 1 and archiving are unchanged.
            "repo1-cipher-pass=R1pass", "archive-async=y",
        ] {
            #expect(lines.contains(line), "\(line)")
        }
        // Repository 2's options are global, before the stanza's section.
        #expect(lines.firstIndex(of: "repo2-type=s3")! < lines.firstIndex(of: "[postgres-backend]")!)
    }

    @Test func testRepo2Lines_withoutCipherOrCAFile_andAbsentWithoutRepo2() {
        let plain = configuration(Self.repo2(), access: .init(accessKey: "A", secretKey: "S", cipherPassphrase: nil, caFile: nil))
        #expect(!plain.contains("repo2-cipher") && !plain.contains("repo2-storage-ca-file"))
        #expect(plain.contains("repo2-storage-port=443"))
        #expect(!configuration(PITRSettings(), access: nil).contains("repo2"))
    }

    @Test func testInfo_withTwoRepositories_readsEachOnesStatusWALAndBackups() throws {
        let json = """
            [{"name":"postgres-backend",
              "archive":[
                {"database":{"id":1,"repo-key":1},"id":"15-1","max":"000000020000000000000009","min":"000000010000000000000001"},
                {"database":{"id":1,"repo-key":2},"id":"15-1","max":"000000020000000000000007","min":"000000010000000000000003"}],
              "backup":[
                {"label":"20261201-010000F","type":"full","timestamp":{"start":100,"stop":110},"database":{"id":1,"repo-key":1},
                 "archive":{"start":"000000010000000000000003","stop":"000000010000000000000003"},"error":false},
                {"label":"20261201-010000F","type":"full","timestamp":{"start":120,"stop":130},"database":{"id":1,"repo-key":2},
                 "archive":{"start":"000000010000000000000004","stop":"000000010000000000000004"},"error":false}],
              "repo":[{"cipher":"aes-256-cbc","key":1,"status":{"code":0,"message":"ok"}},
                      {"cipher":"aes-256-cbc","key":2,"status":{"code":99,"message":"[HostConnectError] unable to connect"}}],
              "status":{"code":4,"message":"different across repos"}}]
            """
        let info = try PgBackRestInfo.parse(json, stanza: "postgres-backend")
        #expect(info.backups.map(\.repo) == [1, 2])
        #expect(info.walMin == "000000010000000000000001" && info.walMax == "000000020000000000000009")
        #expect(info.repositories == [
            .init(key: 1, walMin: "000000010000000000000001", walMax: "000000020000000000000009"),
            .init(key: 2, statusCode: 99, statusMessage: "[HostConnectError] unable to connect",
                  walMin: "000000010000000000000003", walMax: "000000020000000000000007"),
        ])
        #expect(info.repositories.map(\.readable) == [true, false])
    }

    @Test func testRepositoryStatus_summary_saysWhatIsThereOrWhatIsWrong() {
        let good = PITRRepositoryStatus(repo: 2, location: "s3://b/p at s3.example.com", backupCount: 1, newestBackupAt: 0,
                                        walMax: "000000010000000000000004")
        #expect(good.summary == "repo2 s3://b/p at s3.example.com: 1 base backup, newest 1970-01-01 00:00:00+00, WAL up to 000000010000000000000004")
        let down = PITRRepositoryStatus(repo: 2, location: "s3://b/p at s3.example.com", readable: false, error: "[HostConnectError] refused",
                                        lastBackupError: "pgbackrest backup exited(1)")
        #expect(down.summary.contains("UNREADABLE: [HostConnectError] refused")
            && down.summary.contains("last base backup failed: pgbackrest backup exited(1)"))
    }
}
