import AegisCore
import Testing

@Suite struct MigrationPlanTests {
    let first = Migration(version: 1, name: "0001_a.sql", sql: "CREATE TABLE a (x int);")
    let second = Migration(version: 2, name: "0002_b.sql", sql: "CREATE TABLE b (x int);")

    func record(_ migration: Migration, checksum: String? = nil) -> AppliedMigration {
        AppliedMigration(
            version: migration.version, name: migration.name, checksum: checksum ?? migration.checksum,
            appliedAt: "2026-11-28T17:00:00Z")
    }

    @Test func testSHA256_matchesTheStandardVectors() {
        #expect(SHA256Digest.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Two blocks: the padding crosses a block boundary.
        #expect(SHA256Digest.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest.hex(String(repeating: "a", count: 1000)).count == 64)
    }

    @Test func testFreshDatabase_everythingIsPending_inVersionOrder() throws {
        let plan = try MigrationPlan(available: [second, first], applied: [])
        #expect(plan.pending.map(\.version) == [1, 2])
        #expect(!plan.isUpToDate)
    }

    @Test func testUpToDateDatabase_nothingIsPending() throws {
        let plan = try MigrationPlan(available: [first, second], applied: [record(first), record(second)])
        #expect(plan.isUpToDate)
        #expect(plan.applied.map(\.version) == [1, 2])
    }

    @Test func testNewMigration_onlyItIsPending() throws {
        let plan = try MigrationPlan(available: [first, second], applied: [record(first)])
        #expect(plan.pending == [second])
    }

    @Test func testEditedAppliedMigration_isRefused_namingTheFileAndBothChecksums() {
        let stale = String(repeating: "0", count: 64)
        #expect(throws: MigrationProblem.edited(name: "0001_a.sql", appliedChecksum: stale, currentChecksum: first.checksum)) {
            try MigrationPlan(available: [first, second], applied: [record(first, checksum: stale)])
        }
        let problem = MigrationProblem.edited(name: "0001_a.sql", appliedChecksum: stale, currentChecksum: first.checksum)
        #expect(problem.description.contains("0001_a.sql") && problem.description.contains(stale)
            && problem.description.contains(first.checksum))
    }

    @Test func testMigrationUnknownToThisBuild_isRefused() {
        #expect(throws: MigrationProblem.unknownApplied(version: 2, name: "0002_b.sql")) {
            try MigrationPlan(available: [first], applied: [record(first), record(second)])
        }
    }

    @Test func testGapInTheHistory_isRefused_notFilledOutOfOrder() {
        #expect(throws: MigrationProblem.outOfOrder(name: "0001_a.sql", appliedVersion: 2)) {
            try MigrationPlan(available: [first, second], applied: [record(second)])
        }
    }

    @Test func testShippedMigrations_haveUniqueIncreasingVersions_andSafeNames() {
        for instance in PostgresInstance.allCases {
            let migrations = MigrationCatalog.migrations(for: instance)
            #expect(!migrations.isEmpty)
            #expect(migrations.map(\.version) == Array(1...migrations.count))
            for migration in migrations {
                let digits = String(migration.version)
                #expect(migration.name.hasPrefix(String(repeating: "0", count: 4 - digits.count) + digits + "_"))
                #expect(migration.name.hasSuffix(".sql"))
                #expect(migration.sql.hasPrefix("SET LOCAL ROLE aegis_owner;"))
            }
        }
    }
}
