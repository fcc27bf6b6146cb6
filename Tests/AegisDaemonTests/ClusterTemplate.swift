import AegisCore
import AegisSystem
import Foundation

/// One initdb per test run, copied into each test's state directory: initdb costs about 1.5 s
/// per cluster here, copying its result a few milliseconds.
actor ClusterTemplate {
    static let shared = ClusterTemplate()
    private var made: String?

    func path() async throws -> String {
        if let made { return made }
        let root = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-template")
        let account = try ServiceAccount.forChildren(configuredUser: "aegis")
        let renderer = PostgresConfigRenderer(
            instance: .backend, settings: PostgresSettings.standardInstances[.backend]!, layout: StateLayout(root: root),
            superuser: account.name, daemonUser: "root")
        try FileSystem.makeDirectory("\(root)/data", mode: 0o755)
        try FileSystem.makeDirectory(renderer.dataDir, mode: 0o700, owner: account)
        let result = try await ChildProcess.output(
            of: LaunchSpec(
                executable: "/usr/lib/postgresql/15/bin/initdb", arguments: renderer.initdbArguments,
                workingDirectory: renderer.dataDir, account: account))
        guard result.status == .exited(0) else {
            throw TestFailure("initdb failed: \(result.lines.joined(separator: "\n"))")
        }
        made = renderer.dataDir
        return renderer.dataDir
    }
}
