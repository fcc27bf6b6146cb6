import AegisCore
import AegisDaemon
import AegisSystem
import ArgumentParser
import Glibc
import Logging

/// `aegisd --config PATH` runs the daemon in the foreground (systemd `Type=notify`);
/// `aegisd config init|check` writes or checks a configuration.
@main
struct Aegisd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aegisd",
        abstract: "Supervise the Aegis platform's PostgreSQL ×3, Redis and Loki on one host.",
        version: AegisVersion.current,
        // `run` is the default, so `aegisd --config PATH` runs the daemon while
        // `aegisd config check --config PATH` keeps its own --config.
        subcommands: [RunCommand.self, ConfigCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

/// `aegisd [run] --config PATH`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon in the foreground (the default command).",
        discussion: """
            Runs until SIGTERM or SIGINT, then stops every service in reverse start order and \
            exits 0. Exit codes: 0 clean stop, 1 failure, 2 usage or configuration error.
            """
    )

    @Option(help: "The configuration file.")
    var config: String = "/etc/aegis/aegisd.toml"

    @Flag(help: "Log to stderr even when journald is available.")
    var stderrLog = false

    func run() async throws {
        let report = ConfigCheckReport.check(path: config, environment: .daemon)
        guard report.isUsable else {
            printToStandardError(ConfigError(file: config, issues: report.errors).description)
            throw ExitCode(2)
        }
        let configuration: AegisConfig
        do {
            configuration = try ConfigLoader.load(path: config)
        } catch {
            printToStandardError(error.description)
            throw ExitCode(2)
        }
        let level = Logger.Level(rawValue: configuration.daemon.logLevel) ?? .info
        AegisLogHandler.bootstrap(level: level, preferJournal: !stderrLog)
        let logger = Logger(label: "aegisd")
        for warning in report.warnings {
            logger.warning("\(config): \(warning)")
        }
        let code = await Daemon.run(config: configuration, configPath: ConfigInitializer.absolutePath(config), logger: logger)
        if code != 0 { throw ExitCode(code) }
    }
}

func printToStandardError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
