import AegisCore
import AegisSystem
import Foundation
import Glibc
import Testing
import AegisTestSupport

/// `/metrics` of the real aegisd (real PostgreSQL ×3 and Redis; Loki off, since it cannot run
/// here), checked by Debian's promtool and scraped by Debian's prometheus.
@Suite(.serialized) struct MetricsEndpointTests {
    static func startDaemon(collectIntervalS: Int = 15) async throws -> DaemonHarness {
        let daemon = try await DaemonHarness {
            $0.loki.enabled = false
            $0.metrics.collectIntervalS = collectIntervalS
        }
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        return daemon
    }

    @Test func testScrape_passesPromtoolCheckMetrics_andSpeaksOpenMetricsWhenAsked() async throws {
        let daemon = try await Self.startDaemon()
        let port = daemon.config.metrics.port
        // The first collection may predate the services' health; wait for one that follows it.
        var scrape = try MetricsHTTP.get(port: port, path: "/metrics")
        try? await Poll.until("a scrape with Redis healthy", timeout: .seconds(30), every: .milliseconds(100)) {
            scrape = try MetricsHTTP.get(port: port, path: "/metrics")
            return scrape.body.contains("aegis_service_healthy{service=\"redis\"} 1")
        }
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let check = try MetricsHTTP.run("promtool", ["check", "metrics"], input: scrape.body)
        #expect(check.status == 0 && check.output.isEmpty, "promtool check metrics said: \(check.output)")
        // Nothing was ever backed up: the timestamp is absent, never 0.
        #expect(!scrape.body.contains("aegis_backup_last_success_timestamp_seconds{"))
        #expect(scrape.body.contains("aegis_build_info{version=\"\(AegisVersion.current)\"} 1"))

        let open = try MetricsHTTP.get(
            port: port, path: "/metrics", headers: ["Accept": "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"])
        #expect(open.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        #expect(open.body.hasSuffix("# EOF\n"))
        #expect(open.body.contains("# TYPE aegis_service_restarts counter\naegis_service_restarts_total{"))

        #expect(try MetricsHTTP.get(port: port, path: "/").status == 404)
        #expect(try MetricsHTTP.get(port: port, path: "/metrics", method: "POST").status == 405)

        // The certificates are parsed again only when their files change: a rotation's new
        // expiry shows at a later collection.
        func redisExpiry(_ body: String) -> Double? {
            body.split(separator: "\n").first { $0.hasPrefix("aegis_certificate_expiry_timestamp_seconds{name=\"server:redis\"} ") }
                .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        }
        let issued = try #require(redisExpiry(scrape.body), "no expiry of server:redis in \(scrape.body)")
        let first = try #require(try daemon.send(.certsStatus).certificates?.first { $0.role == .server(.redis) }?.info)
        #expect(first.notAfter.secondsSinceEpoch == Int64(issued))
        // Expiries are whole seconds: a rotation within the second of the first issue would
        // give the same one, and nothing on /metrics to tell them apart.
        let issuedAt = Double(first.notBefore.secondsSinceEpoch + CertificateValidity.clockSkewAllowance)
        try await Poll.until("the clock past the second of the first issue", timeout: .seconds(5), every: .milliseconds(50)) {
            Date().timeIntervalSince1970 >= issuedAt + 1
        }
        let rotated = try daemon.aegisctl("certs rotate")
        #expect(rotated.status == 0, "\(rotated.output)")
        let renewed = try #require(try daemon.send(.certsStatus).certificates?.first { $0.role == .server(.redis) }?.info?.notAfter)
        try #require(Double(renewed.secondsSinceEpoch) > issued)
        try await Poll.until("the rotated certificate's expiry on /metrics", timeout: .seconds(30), every: .milliseconds(250)) {
            redisExpiry(try MetricsHTTP.get(port: port, path: "/metrics").body) == Double(renewed.secondsSinceEpoch)
        }
        #expect(try await daemon.terminate() == 0)
        #expect(throws: (any Error).self) { try MetricsHTTP.get(port: port, path: "/metrics") }
    }

    @Test func testRealPrometheus_seesEveryServiceHealthy_andAKill9InTheRestarts() async throws {
        let daemon = try await Self.startDaemon()
        let prometheus = try PrometheusServer(scraping: daemon.config.metrics.port, directory: daemon.root)
        defer { prometheus.stop() }
        let services = try daemon.status().services.map(\.name)
        #expect(services.count == 4)

        // Two successful scrapes, then every service healthy as Prometheus stored it.
        try await prometheus.waitFor("two scrapes of aegisd", query: "sum_over_time(up{job=\"aegisd\"}[1m]) >= 2")
        let healthy = try prometheus.query("aegis_service_healthy")
        #expect(Dictionary(uniqueKeysWithValues: healthy.map { ($0.labels["service"] ?? "", $0.value) })
            == Dictionary(uniqueKeysWithValues: services.map { ($0, "1") }))
        #expect(try prometheus.query("up{job=\"aegisd\"}").map(\.value) == ["1"])
        #expect(try prometheus.query("aegis_service_restarts_total{service=\"redis\"}").map(\.value) == ["0"])

        // Liveness checks are timed; the start time of Redis's process is known.
        // A rate needs two scrapes that saw the count grow: waited for, the median checked in the query.
        try await prometheus.waitFor(
            "timed health checks, median under 5 s",
            query: "histogram_quantile(0.5, rate(aegis_health_check_duration_seconds_bucket{service=\"redis\"}[1m])) < 5")
        let started = try #require(try prometheus.query("aegis_service_start_time_seconds{service=\"redis\"}").first?.value)

        // kill -9 of Redis: aegisd restarts it, and Prometheus sees the restart counted.
        let pid = try #require(try daemon.service(.redis).pid)
        kill(pid, SIGKILL)
        try await daemon.waitFor("redis restarted and healthy") { report in
            report.services.contains { $0.name == "redis" && $0.restarts == 1 && $0.healthy }
        }
        try await prometheus.waitFor(
            "the restart in aegis_service_restarts_total", query: "aegis_service_restarts_total{service=\"redis\"} == 1")
        try await prometheus.waitFor(
            "redis healthy again in Prometheus", query: "aegis_service_healthy{service=\"redis\"} == 1")
        try await prometheus.waitFor(
            "the new process's start time", query: "aegis_service_start_time_seconds{service=\"redis\"} > \(started)")
        #expect(try prometheus.query("aegis_service_restarts_total{service=\"postgres-ai\"}").map(\.value) == ["0"])
        // The certificates of aegisd's own CA are exported with their expiry in the future.
        #expect(try !prometheus.query("aegis_certificate_expiry_timestamp_seconds{name=\"server:redis\"} > time()").isEmpty)
        #expect(try await daemon.terminate() == 0)
    }
}

extension MetricsEndpointTests {
    /// With `[metrics] bearer_token_file`, a scrape without the token is refused; Prometheus
    /// with `authorization: credentials_file` scrapes it.
    @Test func testBearerToken_isRequired_andPrometheusScrapesWithIt() async throws {
        var tokenFile = ""
        let daemon = try await DaemonHarness { config in
            config.loki.enabled = false
            tokenFile = "\(config.daemon.stateDir)/metrics.token"
            config.metrics.bearerTokenFile = tokenFile
        }
        try "c2VjcmV0LXRva2Vu-1\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        chmod(tokenFile, 0o600)
        try daemon.start()
        try await daemon.waitUntilAllHealthy()
        let port = daemon.config.metrics.port
        let without = try MetricsHTTP.get(port: port, path: "/metrics")
        #expect(without.status == 401)
        #expect(without.headers["www-authenticate"] == "Bearer realm=\"aegisd\"")
        #expect(!without.body.contains("aegis_"))
        #expect(try MetricsHTTP.get(port: port, path: "/metrics", headers: ["Authorization": "Bearer wrong"]).status == 401)
        let with = try MetricsHTTP.get(port: port, path: "/metrics", headers: ["Authorization": "Bearer c2VjcmV0LXRva2Vu-1"])
        #expect(with.status == 200 && with.body.contains("aegis_service_healthy"))

        let prometheus = try PrometheusServer(scraping: port, directory: daemon.root, tokenFile: tokenFile)
        defer { prometheus.stop() }
        try await prometheus.waitFor("a scrape with the token", query: "up{job=\"aegisd\"} == 1")
        #expect(try await daemon.terminate() == 0)
    }

    /// PostgreSQL and Redis figures, read by aegisd on its own schedule, as Prometheus stored
    /// them, against what psql and redis-cli say.
    @Test func testDatabaseFigures_inPrometheus_matchPsqlAndRedisCli() async throws {
        let daemon = try await Self.startDaemon(collectIntervalS: 1)
        let prometheus = try PrometheusServer(scraping: daemon.config.metrics.port, directory: daemon.root)
        defer { prometheus.stop() }
        for index in 1...7 { try daemon.redis("SET metrics:key:\(index) \(index)") }
        try daemon.redis("-n 2 SET metrics:other 1")
        let keys = try daemon.redis("DBSIZE")
        let maxmemory = try daemon.redis("CONFIG GET maxmemory").split(separator: "\n").last.map(String.init) ?? ""
        let maxConnections = try daemon.psql(.ai, "SHOW max_connections")

        try await prometheus.waitFor(
            "Redis's keys", query: "aegis_redis_keys{service=\"redis\",db=\"0\"} == \(keys)")
        try await prometheus.waitFor("Redis's db 2", query: "aegis_redis_keys{service=\"redis\",db=\"2\"} == 1")
        #expect(try prometheus.query("aegis_redis_memory_max_bytes{service=\"redis\"}").map(\.value) == [maxmemory])
        #expect(try !prometheus.query("aegis_redis_rdb_last_bgsave_success{service=\"redis\"} == 1").isEmpty)
        #expect(try !prometheus.query("aegis_redis_commands_processed_total{service=\"redis\"} > 0").isEmpty)
        for instance in PostgresInstance.allCases {
            let service = instance.serviceID.rawValue
            try await prometheus.waitFor(
                "\(service)'s max_connections", query: "aegis_postgres_max_connections{service=\"\(service)\"} == \(maxConnections)")
            #expect(try !prometheus.query(
                "aegis_postgres_database_size_bytes{service=\"\(service)\",database=\"\(instance.defaultDatabase)\"} > 0").isEmpty)
            #expect(try !prometheus.query("aegis_postgres_xact_commits_total{service=\"\(service)\"} > 0").isEmpty)
            #expect(try !prometheus.query("aegis_postgres_connections{service=\"\(service)\",state=\"active\"} >= 1").isEmpty)
            #expect(try prometheus.query("aegis_database_collection_success{service=\"\(service)\"}").map(\.value) == ["1"])
        }
        // An open transaction in another session shows as the longest transaction.
        // psql reads its commands from a pipe we hold open; closing it ends the session.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = ["-X", "-q", daemon.superuserURL(.backend, database: "aegis_backend")]
        let commands = Pipe()
        holder.standardInput = commands
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        defer {
            if holder.isRunning {
                try? commands.fileHandleForWriting.close()
                holder.waitUntilExit()
            }
        }
        commands.fileHandleForWriting.write(Data("BEGIN; SELECT txid_current();\n".utf8))
        try await prometheus.waitFor(
            "an open transaction", query: "aegis_postgres_longest_transaction_seconds{service=\"postgres-backend\"} > 1")
        #expect(try prometheus.query("aegis_postgres_longest_transaction_seconds{service=\"postgres-ai\"} > 1").isEmpty)
        try commands.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(try await daemon.terminate() == 0)
    }
}

/// Debian's prometheus on a free loopback port with its own configuration and data directory,
/// scraping aegisd every second; stopped (by its pid) at the end of the test.
final class PrometheusServer: @unchecked Sendable {
    let port: Int
    let process: Process
    let logPath: String

    struct Sample {
        var labels: [String: String]
        var value: String
    }

    /// - Parameters:
    ///   - tokenFile: sent as the bearer token (`authorization: credentials_file`).
    ///   - jobSettings: more YAML of the scrape job (HTTPS, basic_auth), indented by four spaces.
    init(scraping metricsPort: Int, directory: String, tokenFile: String? = nil, jobSettings: String = "") throws {
        port = try FreePorts.base(count: 1)
        let config = "\(directory)/prometheus.yml"
        try """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: aegisd
            \(tokenFile.map { "    authorization:\n      credentials_file: \($0)\n" } ?? "")\(jobSettings)    static_configs:
                  - targets: ['127.0.0.1:\(metricsPort)']
            """.write(toFile: config, atomically: true, encoding: .utf8)
        logPath = "\(directory)/prometheus.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = [
            "--config.file=\(config)", "--storage.tsdb.path=\(directory)/prometheus-data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ]
        let log = FileHandle(forWritingAtPath: logPath)!
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// An instant query through the HTTP API.
    func query(_ promQL: String) throws -> [Sample] {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = promQL.addingPercentEncoding(withAllowedCharacters: allowed)!
        let response = try MetricsHTTP.get(port: port, path: "/api/v1/query?query=\(encoded)")
        guard response.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw TestFailure("prometheus answered \(response.status): \(response.body)") }
        return result.map { item in
            let value = (item["value"] as? [Any])?.last as? String ?? ""
            return Sample(labels: item["metric"] as? [String: String] ?? [:], value: value)
        }
    }

    /// Polls until `query` returns something (a condition on the stored data holds).
    func waitFor(_ what: String, query promQL: String, timeout: Duration = .seconds(60)) async throws {
        do {
            try await Poll.until(what, timeout: timeout, every: .milliseconds(200)) {
                (try? query(promQL)).map { !$0.isEmpty } ?? false
            }
        } catch let timedOut as PollTimeout {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw TestFailure("\(timedOut) (\(promQL)); prometheus log:\n\(log.suffix(2000))")
        }
    }
}

/// A plain HTTP/1.1 exchange on loopback, with headers, for the endpoint and Prometheus's API.
enum MetricsHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func get(
        port: Int, path: String, method: String = "GET", headers: [String: String] = [:], tls: TLSClientSettings? = nil
    ) throws -> Response {
        let connection = try StreamConnector.connect(host: "127.0.0.1", port: port, timeout: .seconds(10), tls: tls)
        let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
        try connection.write(Array("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\(extra)\r\n".utf8))
        var bytes: [UInt8] = []
        while true {
            let chunk = try connection.read()
            if chunk.isEmpty { break }
            bytes += chunk
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestFailure("no HTTP head in: \(text.prefix(200))") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, headers: fields, body: String(text[split.upperBound...]))
    }

    /// Runs a program with `input` on its standard input; returns its exit status and output.
    static func run(_ program: String, _ arguments: [String], input: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
