import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// Faults under load for a while, then the books: every acknowledged PostgreSQL transaction is
/// there whole, Redis holds what `appendfsync everysec` promises, every service is healthy, one
/// postmaster per data directory, nothing orphaned, and each restart count equals the faults
/// that caused it. `CHAOS_SECONDS` sets the length (60 here; `make chaos` runs 600),
/// `CHAOS_SEED` replays a run's faults, `CHAOS_REPORT` names a file for the summary table.
/// See docs/reliability.md.
@Suite(.serialized) struct ChaosTests {
    static let writersPerService = 3

    @Test func testFaultsUnderLoad_loseNoAcknowledgedWrite() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seconds = environment["CHAOS_SECONDS"].flatMap(Int.init) ?? 60
        let seed = environment["CHAOS_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        let minimumFaults = environment["CHAOS_MIN_FAULTS"].flatMap(Int.init) ?? seconds * 2 / 3
        print("chaos: seed \(seed) (replay with CHAOS_SEED=\(seed)), \(seconds) s, at least \(minimumFaults) faults")

        let daemon = try await Self.daemon()
        let ledger = ChaosLedger()
        let load = ChaosLoad(ledger: ledger)
        try Self.startLoad(load, on: daemon)
        try await Poll.until("every service to acknowledge writes", timeout: .seconds(30)) {
            ChaosPlan.services.allSatisfy { ledger.count(of: $0) > 0 }
        }
        let sampler = PostmasterSampler(root: daemon.root)
        sampler.start()

        let monkey = ChaosMonkey(daemon: daemon)
        var plan = ChaosPlan(seed: seed)
        let end = ContinuousClock.now + .seconds(seconds)
        do {
            while ContinuousClock.now < end {
                let (fault, gap) = plan.next()
                try await monkey.inject(fault)
                try await Task.sleep(for: gap)  // the plan's seeded spacing between faults
            }
            try await monkey.drain()
            try await daemon.waitUntilAllHealthy(timeout: .seconds(120))
        } catch {
            sampler.stop()
            try? await load.stop()
            Issue.record("chaos seed \(seed): \(error)\nproblems so far: \(monkey.problems)\nlog:\n\(daemon.log.suffix(4000))")
            return
        }
        monkey.checkRestartCounts(when: "at the end")
        monkey.checkProcesses(when: "at the end")
        try await load.stop()
        sampler.stop()

        let postgres = try Self.verifyPostgres(daemon, ledger)
        let redis = try Self.verifyRedis(daemon, ledger, killWindows: monkey.redisKillWindows)
        let samples = sampler.result
        let summary = ChaosSummary(
            seed: seed, seconds: seconds, monkey: monkey, ledger: ledger, postgres: postgres, redis: redis,
            postmasterSamples: samples.samples)
        print(summary.markdown)
        if let path = environment["CHAOS_REPORT"] { try summary.markdown.write(toFile: path, atomically: true, encoding: .utf8) }

        #expect(monkey.problems.isEmpty, "seed \(seed): \(monkey.problems)")
        #expect(samples.duplicates.isEmpty, "seed \(seed): two postmasters on one data directory: \(samples.duplicates)")
        for (service, result) in postgres {
            #expect(result.lost.isEmpty, "seed \(seed): \(service.rawValue) lost acknowledged transactions \(result.lost.prefix(20))")
            #expect(result.halfWritten.isEmpty, "seed \(seed): \(service.rawValue) half-written transactions \(result.halfWritten.prefix(20))")
        }
        #expect(redis.lost.isEmpty, "seed \(seed): Redis lost acknowledged writes outside what everysec allows: \(redis.lost.prefix(20))")
        #expect(monkey.totalInjected >= minimumFaults, "seed \(seed): only \(monkey.totalInjected) faults in \(seconds) s")
        #expect(try await daemon.terminate() == 0)
    }

    /// A daemon with a backup key and a restart policy that never gives up: the breaker would
    /// otherwise (rightly) mark a service failed after five kills in five minutes.
    static func daemon() async throws -> DaemonHarness {
        let keyDirectory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-test-agekey")
        defer { try? FileManager.default.removeItem(atPath: keyDirectory) }
        try DaemonHarness.shell("age-keygen -o '\(keyDirectory)/backup.agekey' 2>/dev/null")
        let recipient = try DaemonHarness.shell("age-keygen -y '\(keyDirectory)/backup.agekey'")
        let daemon = try await DaemonHarness { config in
            config.backup.recipients = [recipient]
            config.supervision.restartMaxFailures = 1_000_000
            config.supervision.restartStableAfterS = 1
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        for instance in PostgresInstance.allCases {
            try daemon.ownerSQL(
                instance, "CREATE TABLE chaos_ledger (writer int, seq bigint, part int, PRIMARY KEY (writer, seq, part))",
                granting: ["chaos_ledger"])
        }
        return daemon
    }

    static func startLoad(_ load: ChaosLoad, on daemon: DaemonHarness) throws {
        for instance in PostgresInstance.allCases {
            let settings = daemon.config.postgres.instances[instance]!
            let parameters = [
                "host": "127.0.0.1", "port": "\(settings.port)", "user": settings.user, "dbname": settings.database,
                "password": try daemon.password(instance.serviceID), "connect_timeout": "3",
            ]
            for number in 1...writersPerService {
                load.startPostgresWriter(.init(service: instance.serviceID, number: number), parameters: parameters)
            }
        }
        let password = try daemon.password(.redis)
        for number in 1...writersPerService {
            load.startRedisWriter(
                .init(service: .redis, number: number), socket: "\(daemon.root)/run/redis/redis.sock",
                user: RedisACL.adminUser, password: password)
        }
    }

    struct PostgresResult {
        var checked = 0
        var lost: [String] = []
        var halfWritten: [String] = []
    }

    /// Reads every ledger row back as the superuser and compares with what was acknowledged.
    static func verifyPostgres(_ daemon: DaemonHarness, _ ledger: ChaosLedger) throws -> [ServiceID: PostgresResult] {
        var results: [ServiceID: PostgresResult] = [:]
        for instance in PostgresInstance.allCases {
            let service = instance.serviceID
            let settings = daemon.config.postgres.instances[instance]!
            let connection = try PostgresConnection(
                parameters: [
                    "host": "\(daemon.root)/run/\(service.rawValue)", "port": "\(settings.port)",
                    "user": daemon.config.daemon.user, "dbname": settings.database,
                ], timeout: .seconds(10))
            let rows = try connection.execute(
                "SELECT writer, seq, count(*) FROM chaos_ledger GROUP BY writer, seq", timeout: .seconds(60))
            var present: [Int: Set<Int>] = [:]
            var result = PostgresResult()
            for row in rows {
                let writer = Int(row[0] ?? "") ?? -1, seq = Int(row[1] ?? "") ?? -1
                present[writer, default: []].insert(seq)
                if row[2] != "2" { result.halfWritten.append("writer \(writer) seq \(seq): \(row[2] ?? "?") of 2 rows") }
            }
            for writer in ledger.writers where writer.service == service {
                for acknowledged in ledger.acknowledgements(of: writer) {
                    result.checked += 1
                    if present[writer.number]?.contains(acknowledged.seq) != true {
                        result.lost.append("writer \(writer.number) seq \(acknowledged.seq)")
                    }
                }
            }
            results[service] = result
        }
        return results
    }

    struct RedisResult {
        var checked = 0
        /// Missing, acknowledged in the second before Redis was killed: what everysec allows.
        var withinEverysec = 0
        var lost: [String] = []
    }

    /// With `appendfsync everysec` Redis writes the AOF before it answers, so a killed
    /// redis-server loses nothing the kernel holds; the exception is a write it postponed while
    /// a slow background fsync ran (at most 2 s). A missing acknowledged write is therefore
    /// allowed only if it was acknowledged at most 2 s before a fault that killed Redis.
    static func verifyRedis(
        _ daemon: DaemonHarness, _ ledger: ChaosLedger, killWindows: [ClosedRange<ContinuousClock.Instant>]
    ) throws -> RedisResult {
        let client = try RedisClient(unixPath: "\(daemon.root)/run/redis/redis.sock", timeout: .seconds(30))
        try client.authenticate(user: RedisACL.adminUser, password: try daemon.password(.redis))
        var result = RedisResult()
        for writer in ledger.writers where writer.service == .redis {
            guard case .array(let items) = try client.command(["LRANGE", "chaos:w\(writer.number)", "0", "-1"]) else {
                throw TestFailure("LRANGE chaos:w\(writer.number) did not answer with a list")
            }
            let present = Set((items ?? []).compactMap { item -> Int? in
                if case .bulk(let text) = item { return text.flatMap(Int.init) }
                return nil
            })
            for acknowledged in ledger.acknowledgements(of: writer) {
                result.checked += 1
                guard !present.contains(acknowledged.seq) else { continue }
                let allowed = killWindows.contains { window in
                    acknowledged.at >= window.lowerBound - .seconds(2) && acknowledged.at <= window.upperBound
                }
                if allowed { result.withinEverysec += 1 } else { result.lost.append("writer \(writer.number) seq \(acknowledged.seq)") }
            }
        }
        return result
    }
}
