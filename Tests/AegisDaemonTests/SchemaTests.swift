import AegisCore
import AegisDaemon
import AegisSystem
import Foundation
import Testing

/// The three schemas (issue #4) against real PostgreSQL: migrations, least privilege, the
/// append-only audit logs and archiving.
@Suite(.serialized) struct SchemaTests {
    static let platformTables: [PostgresInstance: [String]] = [
        .backend: ["policies", "policy_audit_logs", "roles", "session_cache", "user_roles", "users"],
        .ai: ["anomaly_detections", "failure_predictions", "feature_store", "model_metrics", "model_registry",
              "prediction_history", "training_data"],
        .executor: ["action_audit_logs", "action_statistics", "execution_errors", "rate_limit_tracking"],
    ]

    func database(_ daemon: DaemonHarness, _ instance: PostgresInstance) -> String {
        daemon.config.postgres.instances[instance]!.database
    }

    /// SQL as the app's login role that must fail; returns psql's words.
    func appFails(_ daemon: DaemonHarness, _ instance: PostgresInstance, _ sql: String) throws -> String {
        do {
            let output = try daemon.psql(instance, sql)
            Issue.record("`\(sql)` as the app role succeeded: \(output)")
            return output
        } catch let failure as TestFailure {
            return "\(failure)"
        }
    }

    /// SQL as the schema owner that must fail; returns psql's words.
    func ownerFails(_ daemon: DaemonHarness, _ instance: PostgresInstance, _ sql: String) throws -> String {
        do {
            let output = try daemon.ownerSQL(instance, sql)
            Issue.record("`\(sql)` as the owner succeeded: \(output)")
            return output
        } catch let failure as TestFailure {
            return "\(failure)"
        }
    }

    @Test func testMigrations_applyOnAFreshInstance_andAreANoOpOnTheNextStart() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        var recorded: [PostgresInstance: String] = [:]
        for instance in PostgresInstance.allCases {
            let db = database(daemon, instance)
            let tables = try daemon.superuserSQL(
                instance,
                "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '%_archive' AND tablename <> 'aegis_schema_migrations'",
                database: db)
            #expect(tables == Self.platformTables[instance]!.joined(separator: ","), "\(instance)")
            let owners = try daemon.superuserSQL(
                instance, "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public'", database: db)
            #expect(owners == "aegis_owner")
            #expect(try daemon.superuserSQL(
                instance, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '\(db)'") == "aegis_owner")
            let rows = try daemon.superuserSQL(
                instance, "SELECT version || ':' || name || ':' || checksum || ':' || applied_at FROM aegis_schema_migrations ORDER BY version",
                database: db)
            let expected = MigrationCatalog.migrations(for: instance).map { "\($0.version):\($0.name):\($0.checksum):" }
            #expect(rows.split(separator: "\n").count == expected.count)
            for (row, prefix) in zip(rows.split(separator: "\n"), expected) { #expect(row.hasPrefix(prefix)) }
            recorded[instance] = rows
        }
        let status = try daemon.aegisctl("migrate status --json")
        #expect(status.status == 0, "\(status.output)")
        let reports = try JSONDecoder().decode([MigrationStatus].self, from: Data(status.output.utf8))
        #expect(reports.count == 3 && reports.allSatisfy { $0.pending.isEmpty && $0.problem == nil && $0.applied.count == 1 })
        #expect(try await daemon.terminate() == 0)

        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        for instance in PostgresInstance.allCases {
            let rows = try daemon.superuserSQL(
                instance, "SELECT version || ':' || name || ':' || checksum || ':' || applied_at FROM aegis_schema_migrations ORDER BY version",
                database: database(daemon, instance))
            #expect(rows == recorded[instance], "the second start must apply nothing")
        }
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testEditedMigration_isRefused_andTheServiceFailsWithWhy() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        // What an edited migration looks like from the database's side: the recorded checksum
        // is not the one of the text this aegisd carries.
        let stale = String(repeating: "ab", count: 32)
        try daemon.superuserSQL(
            .backend, "UPDATE aegis_schema_migrations SET checksum = '\(stale)' WHERE version = 1",
            database: database(daemon, .backend))
        // The running daemon reads the same refusal from the database.
        let status = try daemon.aegisctl("migrate status postgres-backend")
        #expect(status.status == 1 && status.output.contains("edited") && status.output.contains("0001_backend_schema.sql"),
                "\(status.output)")
        let restart = try daemon.aegisctl("restart postgres-backend")
        #expect(restart.status == 1, "\(restart.output)")
        let failed = try await daemon.waitFor("postgres-backend failed") { report in
            report.services.first { $0.name == "postgres-backend" }?.state == .failed
        }
        let message = failed.services.first { $0.name == "postgres-backend" }?.message ?? ""
        let current = MigrationCatalog.migrations(for: .backend)[0].checksum
        #expect(message.contains("0001_backend_schema.sql") && message.contains(stale) && message.contains(current), "\(message)")
        #expect(daemon.log.contains("0001_backend_schema.sql"))
        // The others are untouched.
        #expect(failed.services.filter { $0.name != "postgres-backend" }.allSatisfy { $0.healthy || $0.state == .unavailable })
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testAuditLogs_areAppendOnly_forTheAppAndTheOwner() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        _ = try daemon.psql(.backend, "INSERT INTO policy_audit_logs (user_id, action, resource, result) VALUES ('u1', 'read', 'pods', 'allow')")
        _ = try daemon.psql(.executor, "INSERT INTO action_audit_logs (action_type, status, namespace, resource_name, action_params) VALUES ('scale', 'success', 'prod', 'web', '{}')")
        for (instance, table) in [(PostgresInstance.backend, "policy_audit_logs"), (.executor, "action_audit_logs")] {
            for sql in ["UPDATE \(table) SET created_at = now()", "DELETE FROM \(table)", "TRUNCATE \(table)"] {
                #expect(try appFails(daemon, instance, sql).contains("permission denied"), "\(sql)")
                #expect(try ownerFails(daemon, instance, sql).contains("append-only"), "\(sql)")
            }
            #expect(try daemon.psql(instance, "SELECT count(*) FROM \(table)") == "1")
            // The app may not take the archiver's identity nor change the schema.
            #expect(try appFails(daemon, instance, "SET ROLE aegis_archiver").contains("permission denied"))
            #expect(try appFails(daemon, instance, "CREATE TABLE mine (x int)").contains("permission denied"))
        }
        // The tables' CHECK constraints hold.
        #expect(try appFails(daemon, .backend, "INSERT INTO policy_audit_logs (action, resource, result) VALUES ('a', 'r', 'maybe')")
            .contains("check constraint"))
        #expect(try await daemon.terminate() == 0)
    }

    @Test func testArchiving_movesExactlyTheOldRows_andKeepsThemReadable() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        _ = try daemon.psql(.backend, """
            INSERT INTO policy_audit_logs (user_id, action, resource, result, created_at)
            SELECT 'old' || g, 'read', 'pods', 'deny', now() - interval '100 days' FROM generate_series(1, 3) g;
            INSERT INTO policy_audit_logs (user_id, action, resource, result, created_at)
            SELECT 'new' || g, 'read', 'pods', 'allow', now() - interval '89 days' FROM generate_series(1, 2) g
            """)
        #expect(try daemon.psql(.backend, "SELECT archive_old_policy_audit_logs(90)") == "3")
        #expect(try daemon.psql(.backend, "SELECT string_agg(user_id, ',' ORDER BY user_id) FROM policy_audit_logs") == "new1,new2")
        #expect(try daemon.psql(.backend, "SELECT string_agg(user_id, ',' ORDER BY user_id) FROM policy_audit_logs_archive") == "old1,old2,old3")
        #expect(try daemon.psql(.backend, "SELECT archive_old_policy_audit_logs(90)") == "0")
        #expect(try appFails(daemon, .backend, "SELECT archive_old_policy_audit_logs(0)").contains("at least 1"))
        #expect(try ownerFails(daemon, .backend, "DELETE FROM policy_audit_logs_archive").contains("append-only"))

        _ = try daemon.psql(.executor, """
            INSERT INTO action_audit_logs (action_type, status, namespace, resource_name, action_params, created_at)
            SELECT 'scale', 'success', 'prod', 'web' || g, '{}', now() - g * interval '30 days' FROM generate_series(1, 5) g
            """)
        #expect(try daemon.psql(.executor, "SELECT archive_old_audit_logs(100)") == "2")  // 120 and 150 days old
        #expect(try daemon.psql(.executor, "SELECT count(*) FROM action_audit_logs") == "3")
        #expect(try daemon.psql(.executor, "SELECT string_agg(resource_name, ',' ORDER BY resource_name) FROM action_audit_logs_archive") == "web4,web5")

        _ = try daemon.psql(.ai, """
            INSERT INTO prediction_history (id, timestamp, model_type, prediction) VALUES
                (1, now() - interval '200 days', 'anomaly', '{}'), (2, now() - interval '1 day', 'anomaly', '{}');
            INSERT INTO anomaly_detections (prediction_id, anomaly_score, is_anomaly, severity) VALUES (1, 0.9, true, 'high'), (2, 0.1, false, 'low');
            INSERT INTO failure_predictions (prediction_id, namespace, resource_name, failure_probability) VALUES (1, 'prod', 'db', 0.5)
            """)
        #expect(try daemon.psql(.ai, "SELECT archive_old_predictions(90)") == "1")
        #expect(try daemon.psql(.ai, "SELECT string_agg(id::text, ',') FROM prediction_history") == "2")
        #expect(try daemon.psql(.ai, "SELECT prediction_id FROM anomaly_detections") == "2")
        #expect(try daemon.psql(.ai, "SELECT p.id || ':' || a.severity || ':' || f.resource_name FROM prediction_history_archive p JOIN anomaly_detections_archive a ON a.prediction_id = p.id JOIN failure_predictions_archive f ON f.prediction_id = p.id") == "1:high:db")
        #expect(try await daemon.terminate() == 0)
    }
}

/// `SchemaMigrator` on its own, against a real instance: a failing migration leaves nothing of
/// itself behind, and what applied before it stays recorded.
@Suite(.serialized) struct SchemaMigratorTests {
    @Test func testFailingMigration_isRolledBackWhole_andNamed_andTheEarlierOneStays() async throws {
        let daemon = try await DaemonHarness()
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        try daemon.superuserSQL(.ai, "CREATE DATABASE scratch OWNER aegis_owner")
        let settings = daemon.config.postgres.instances[.ai]!
        let parameters = [
            "host": "\(daemon.root)/run/postgres-ai", "port": String(settings.port), "user": daemon.config.daemon.user,
            "dbname": "scratch",
        ]
        let good = Migration(version: 1, name: "0001_good.sql", sql: "SET LOCAL ROLE aegis_owner; CREATE TABLE kept (x int);")
        let bad = Migration(
            version: 2, name: "0002_bad.sql", sql: "SET LOCAL ROLE aegis_owner; CREATE TABLE half (x int); SELECT 1 / 0;")
        let problem: MigrationProblem? = try await runBlocking {
            let migrator = SchemaMigrator(
                connection: try PostgresConnection(parameters: parameters, timeout: .seconds(10)), migrations: [good, bad])
            do {
                try migrator.migrate()
                return nil
            } catch let problem as MigrationProblem {
                return problem
            }
        }
        guard case .failed(let name, let error) = problem else {
            Issue.record("expected a failed migration, got \(String(describing: problem))")
            return
        }
        #expect(name == "0002_bad.sql" && error.contains("division by zero"), "\(error)")
        #expect(try daemon.superuserSQL(.ai, "SELECT to_regclass('public.half') IS NULL, to_regclass('public.kept') IS NOT NULL", database: "scratch") == "t|t")
        #expect(try daemon.superuserSQL(.ai, "SELECT string_agg(name, ',') FROM aegis_schema_migrations", database: "scratch") == "0001_good.sql")
        #expect(try daemon.superuserSQL(.ai, "SELECT tableowner FROM pg_tables WHERE tablename = 'kept'", database: "scratch") == "aegis_owner")
        // Run again with the bad one fixed: only it is applied.
        let fixed = Migration(version: 2, name: "0002_bad.sql", sql: "SET LOCAL ROLE aegis_owner; CREATE TABLE half (x int);")
        let applied = try await runBlocking {
            try SchemaMigrator(
                connection: try PostgresConnection(parameters: parameters, timeout: .seconds(10)), migrations: [good, fixed]
            ).migrate()
        }
        #expect(applied == ["0002_bad.sql"])
        #expect(try await daemon.terminate() == 0)
    }
}
