import AegisCore
import ArgumentParser

extension Aegisctl {
    /// `aegisctl connect-info SERVICE [--as APP] [--json] [--show-secrets]`.
    struct ConnectInfo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "connect-info",
            abstract: "What an app needs to connect: host, port, user, database, CA file, URL.",
            discussion: """
                The password is shown only with --show-secrets; otherwise the path of its secret \
                file. For redis, --as backend|ai|executor picks that app's ACL user (default: \
                aegisd's admin user).
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp("The service.", valueName: "service")) var service: String
        @Option(name: .customLong("as"), help: ArgumentHelp("For redis: backend, ai or executor.", valueName: "app"))
        var app: String?
        @Flag(name: .long, help: "Print the keys as JSON.") var json = false
        @Flag(name: .long, help: "Include the password itself.") var showSecrets = false

        func validate() throws {
            guard ServiceID(rawValue: service) != nil else {
                throw ValidationError("unknown service \"\(service)\"; valid services: \(ServiceID.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let reply = try DaemonExchange.send(
                ControlRequest.connectInfo(ServiceID(validated: service), app: app, showSecrets: showSecrets),
                options: global, timeout: .seconds(10))
            let info = reply.connection ?? [:]
            if json {
                print(try prettyJSON(info))
            } else {
                for key in info.keys.sorted() { print("\(key)=\(info[key]!)") }
            }
        }
    }
}
