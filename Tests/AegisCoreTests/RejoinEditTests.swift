import AegisCore
import Testing

/// The line edit `aegisctl replication rejoin` makes to an old primary's `aegisd.toml`.
@Suite struct RejoinEditTests {
    func bundle(redis: Bool = true) -> ReplicationBundle {
        ReplicationBundle(
            primaryHost: "db-b.example.com",
            ports: ["postgres-backend": 6432, "postgres-ai": 6433, "postgres-executor": 6434, "redis": 7379],
            caCertificate: "-----BEGIN CERTIFICATE-----", postgresUser: "aegis_replicator", postgresPassword: SecretText("p"),
            clientCertificate: "-----BEGIN CERTIFICATE-----", clientKey: SecretText("-----BEGIN PRIVATE KEY-----"),
            redisUser: redis ? "aegis_replicator" : nil, redisPassword: redis ? SecretText("r") : nil)
    }

    @Test func aPrimarysSectionBecomesAStandbysOfTheBundlesPrimary_keepingEveryOtherLine() {
        let text = """
            # my comment
            [replication]
            role = "primary"   
            standby_networks = ["10.0.0.0/24"]
            synchronous = true
            promoted = ["redis"]

            [tls]
            enabled = true
            """
        let edited = RejoinEdit.apply(to: text, bundle: bundle(), slotName: "standby_db_a")
        #expect(edited == """
            # my comment
            [replication]
            role = "standby"
            primary_host = "db-b.example.com"
            slot_name = "standby_db_a"
            primary_backend_port = 6432
            primary_ai_port = 6433
            primary_executor_port = 6434
            primary_redis_port = 7379
            standby_networks = ["10.0.0.0/24"]
            synchronous = false

            [tls]
            enabled = true
            """)
        #expect(RejoinEdit.apply(to: edited, bundle: bundle(), slotName: "standby_db_a") == edited, "a second edit changes nothing")
    }

    @Test func aFileWithoutTheSectionGetsOne_andRedisWithoutAUserDoesNotReplicate() {
        let edited = RejoinEdit.apply(to: "[tls]\nenabled = true\n", bundle: bundle(redis: false), slotName: "s")
        #expect(edited.hasPrefix("[tls]\nenabled = true\n\n[replication]\nrole = \"standby\"\n"), "\(edited)")
        #expect(edited.contains("primary_redis_port = 0\n"))
        #expect(edited.hasSuffix("\n"))
    }
}
