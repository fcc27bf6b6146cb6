import AegisCore
import AegisSystem

/// Grafana Loki's single binary, where it is installed. Debian does not package it; without it
/// the service is `unavailable` and says how to install it, and nothing else suffers.
public final class LokiDriver: ServiceDriver {
    public let service = ServiceID.loki
    public let stopPlan = StopPlan.loki
    let context: DriverContext
    let renderer: LokiConfigRenderer

    public init(context: DriverContext) {
        self.context = context
        self.renderer = LokiConfigRenderer(config: context.config)
    }

    public static let installHint =
        "Grafana Loki is not installed (loki.binary = \"%@\" not found): install the `loki` package from "
        + "Grafana's APT repository (https://apt.grafana.com) or set loki.binary to its path"

    public func prepare() async throws(LaunchFailure) -> LaunchSpec {
        let configured = context.config.loki.binary
        guard let binary = FileSystem.findExecutable(configured) else {
            throw LaunchFailure(Self.installHint.replacingOccurrences(of: "%@", with: configured), permanent: true)
        }
        try context.makeServiceDirectories(service)
        try await LeftoverProcess.stopRecordedChild(context: context, service: service, plan: stopPlan)
        let major = await detectMajorVersion(binary)
        try context.writeServiceFile(renderer.configFile, renderer.render(majorVersion: major))
        return LaunchSpec(
            executable: binary, arguments: ["-config.file=\(renderer.configFile)"],
            workingDirectory: context.layout.dataDir(of: service), account: context.account)
    }

    public func checkHealth(timeout: Duration) async -> HealthResult {
        let port = context.config.loki.httpPort
        let tls = context.config.supervisedLokiTLS
        do {
            let (status, body) = try await runBlocking { try HTTPProbe.get(port: port, path: "/ready", timeout: timeout, tls: tls) }
            return status == 200 ? .healthy : .unhealthy("GET /ready: \(status) \(body.prefix(120))")
        } catch {
            return .unhealthy("GET /ready: \(error)")
        }
    }

    /// `loki -version`; 3 when it cannot be told (the current major version).
    private func detectMajorVersion(_ binary: String) async -> Int {
        let spec = LaunchSpec(executable: binary, arguments: ["-version"], account: context.account)
        guard let result = try? await ChildProcess.output(of: spec),
            let major = LokiConfigRenderer.majorVersion(fromVersionOutput: result.lines.joined(separator: "\n"))
        else { return 3 }
        return major
    }
}
